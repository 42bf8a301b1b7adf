package vbrsim

import (
	"fmt"
	"net/http"
	"strings"
)

// This file serves the routine operations on jobs, managed servers,
// protection groups and the server (start, stop, retry, enable, disable,
// rescan, configuration backup, security analyzer) the way the server
// does: a job's session carries its jobId, the job's state (GET
// /jobs/states) follows its sessions and isDisabled, and disabled or
// running objects refuse what they cannot do. Jobs themselves stay in the
// generic engine's collection of the request's revision. Where the vendor
// documents are silent (the refusal messages and codes, the session types
// of job, host and protection-group operations), the choices are marked
// inferred.

const jobsPath = "/api/v1/jobs"

// jobs returns the generic job collection of the request's revision.
func (a *API) jobs(c *call) *genColl {
	pi, _ := c.model.find(jobsPath)
	return a.collection(c, pi, jobsPath)
}

// job returns the job of the request's {id}.
func (a *API) job(c *call) (map[string]any, *reply) {
	gc := a.jobs(c)
	i := gc.find(c.vars["id"])
	if i < 0 {
		return nil, notFound("Job", c.vars["id"])
	}
	return gc.items[i], nil
}

// docOp returns the documented operation of the request.
func docOp(c *call) *operation {
	pi, _ := c.model.find(c.r.URL.Path)
	if pi == nil {
		return nil
	}
	return pi.ops[c.r.Method]
}

// jobSessions returns the sessions of a job, newest first.
func (a *API) jobSessions(jobID string) []*session {
	var out []*session
	for i := len(a.sessions) - 1; i >= 0; i-- {
		if strings.EqualFold(a.sessions[i].JobID, jobID) {
			out = append(out, a.sessions[i])
		}
	}
	return out
}

// runningSession returns the job's session that has not ended, or nil.
func (a *API) runningSession(jobID string) *session {
	for _, s := range a.jobSessions(jobID) {
		if !s.Done {
			return s
		}
	}
	return nil
}

// jobSessionType is the sessionType of a job's sessions (inferred from
// ESessionType: the documents do not map job types to session types).
func jobSessionType(jobType string) string {
	switch {
	case strings.Contains(jobType, "Replica"):
		return "ReplicaJob"
	case strings.Contains(jobType, "BackupCopy"):
		return "BackupCopyJob"
	case strings.Contains(jobType, "Agent"):
		return "AgentBackup"
	}
	return "BackupJob"
}

// startJob serves POST /jobs/{id}/start and /retry: a disabled or running
// job is refused (400, inferred); retry also needs a last result of
// Failed or Warning (inferred).
func (a *API) startJob(retry bool) func(*call) *reply {
	return func(c *call) *reply {
		job, rp := a.job(c)
		if rp != nil {
			return rp
		}
		if op := docOp(c); op != nil {
			if _, bad := genBody(c, op); bad != nil {
				return bad
			}
		}
		name, _ := job["name"].(string)
		id, _ := job["id"].(string)
		if dis, _ := job["isDisabled"].(bool); dis {
			return badRequest(fmt.Sprintf("Job %q is disabled.", name))
		}
		if a.runningSession(id) != nil {
			return badRequest(fmt.Sprintf("Job %q is already running.", name))
		}
		sname := name
		if retry {
			last := a.lastResult(id)
			if last != "Failed" && last != "Warning" {
				return badRequest(fmt.Sprintf("Job %q cannot be retried: its last result is %s.", name, last))
			}
			sname = name + " (Retry)"
		}
		typ, _ := job["type"].(string)
		s := a.start(c, jobSessionType(typ), sname, "generic", nil)
		s.JobID = id
		return a.sessionReply(c, http.StatusCreated, s)
	}
}

// stopJob serves POST /jobs/{id}/stop: the running session ends now,
// canceled, and is the answer; a job that does not run is refused (400,
// inferred).
func (a *API) stopJob(c *call) *reply {
	job, rp := a.job(c)
	if rp != nil {
		return rp
	}
	if op := docOp(c); op != nil {
		if _, bad := genBody(c, op); bad != nil {
			return bad
		}
	}
	id, _ := job["id"].(string)
	s := a.runningSession(id)
	if s == nil {
		return badRequest(fmt.Sprintf("Job %q is not running.", job["name"]))
	}
	delete(a.running, strings.ToLower(s.ID))
	s.Done, s.End, s.Canceled = true, c.now, true
	s.Result, s.Message = "Warning", "Job has been stopped by user "+c.user+"."
	s.Logs = append(s.Logs, logRecord{ID: len(s.Logs) + 1, Status: "Warning", Start: c.now, Update: c.now, Title: s.Message})
	c.changed = true
	return a.sessionReply(c, http.StatusCreated, s)
}

// toggleJob serves POST /jobs/{id}/enable and /disable.
func (a *API) toggleJob(disable bool) func(*call) *reply {
	return func(c *call) *reply {
		job, rp := a.job(c)
		if rp != nil {
			return rp
		}
		job["isDisabled"] = disable
		c.changed = true
		return a.emptyAnswer(c)
	}
}

// emptyAnswer answers what an operation without a model documents: 204,
// or 200 with an EmptySuccessResponse.
func (a *API) emptyAnswer(c *call) *reply {
	op := docOp(c)
	if op == nil || op.schema == nil {
		return &reply{status: http.StatusNoContent}
	}
	return a.genReply(c, op, map[string]any{})
}

// lastResult is the result of the job's newest finished session, or None.
func (a *API) lastResult(jobID string) string {
	for _, s := range a.jobSessions(jobID) {
		if s.Done {
			return s.Result
		}
	}
	return "None"
}

// listJobStates serves GET /jobs/states from the jobs and their sessions:
// status Running while a session runs, Disabled for a disabled job,
// Inactive otherwise; lastResult, lastRun and sessionId from the newest
// session. The documented ...Filter parameters apply.
func (a *API) listJobStates(c *call) *reply {
	op := docOp(c)
	var items []map[string]any
	for _, job := range a.jobs(c).items {
		id, _ := job["id"].(string)
		typ, _ := job["type"].(string)
		workload := "Vm"
		if strings.Contains(typ, "Agent") {
			workload = "Server"
		}
		st := map[string]any{"id": id, "name": job["name"], "type": typ, "description": job["description"],
			"status": "Inactive", "lastResult": a.lastResult(id), "workload": workload, "objectsCount": 0,
			"highPriority": false, "progressPercent": 0}
		if st["description"] == nil {
			st["description"] = ""
		}
		if dis, _ := job["isDisabled"].(bool); dis {
			st["status"] = "Disabled"
		}
		if ss := a.jobSessions(id); len(ss) > 0 {
			st["sessionId"] = ss[0].ID
			st["lastRun"] = formatTime(ss[0].Created)
		}
		if s := a.runningSession(id); s != nil {
			st["status"] = "Running"
			st["progressPercent"] = s.model(c.now)["progressPercent"]
		}
		g := a.gen(c)
		g.sparse = true // only what is set here: the same answer every time
		if v, ok := g.value(c.model.itemSchema(op.schema), "", st, 1).(map[string]any); ok {
			st = v // the revision's JobStateModel
		}
		items = append(items, st)
	}
	return a.genList(c, op, &genColl{items: items})
}

// rescanManagedServer serves POST /managedServers/{id}/rescan: an
// Infrastructure session (type inferred) named after the host.
func (a *API) rescanManagedServer(c *call) *reply {
	o := a.kinds[kManagedServers].get(c.vars["id"])
	if o == nil {
		return notFound("Managed server", c.vars["id"])
	}
	s := a.start(c, "Infrastructure", "Rescan of "+str(o.doc, "name"), "generic", nil)
	return a.sessionReply(c, http.StatusCreated, s)
}

// rescanProtectionGroup serves POST /protectionGroups/{id}/rescan: an
// AgentDiscovery session (type inferred); a disabled group is refused
// (400, inferred).
func (a *API) rescanProtectionGroup(c *call) *reply {
	o := a.kinds[kProtectionGroups].get(c.vars["id"])
	if o == nil {
		return notFound("Protection group", c.vars["id"])
	}
	if dis, _ := o.doc["isDisabled"].(bool); dis {
		return badRequest(fmt.Sprintf("Protection group %q is disabled.", str(o.doc, "name")))
	}
	s := a.start(c, "AgentDiscovery", str(o.doc, "name"), "generic", nil)
	return a.sessionReply(c, http.StatusCreated, s)
}

// toggleProtectionGroup serves POST /protectionGroups/{id}/enable and
// /disable: isDisabled changes at once; 1.3-rev0 documents a session as
// the answer, which is started and ends like any other.
func (a *API) toggleProtectionGroup(disable bool) func(*call) *reply {
	return func(c *call) *reply {
		k := a.kinds[kProtectionGroups]
		o := k.get(c.vars["id"])
		if o == nil {
			return notFound("Protection group", c.vars["id"])
		}
		o.doc["isDisabled"] = disable
		k.changed(o)
		c.changed = true
		if op := docOp(c); op != nil && isSession(op.schema) {
			verb := map[bool]string{true: "Disable", false: "Enable"}[disable]
			s := a.start(c, "Infrastructure", verb+" "+str(o.doc, "name"), "generic", nil)
			return a.sessionReply(c, op.success, s)
		}
		return a.emptyAnswer(c)
	}
}

// serverSession serves a POST that starts one session of the server
// itself (configuration backup, security analyzer).
func (a *API) serverSession(typ, name string) func(*call) *reply {
	return func(c *call) *reply {
		status := http.StatusCreated
		if op := docOp(c); op != nil {
			status = op.success
		}
		s := a.start(c, typ, name, "generic", nil)
		return a.sessionReply(c, status, s)
	}
}
