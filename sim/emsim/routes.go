package emsim

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/sim/simapi"
)

// Operations of the tasks agent-job actions start. RetryAgentJob is the
// vendor's; the others follow its pattern (inferred).
const (
	opRetry  = "RetryAgentJob"
	opStart  = "StartAgentJob"
	opStop   = "StopAgentJob"
	opToggle = "ToggleAgentJobScheduleEnabled"
)

// supportedVersions are the EM API versions the discovery document lists.
var supportedVersions = []string{"v1_5", "v1_6", "v1_7"}

var actors = []string{simapi.RoleAdmin, simapi.RoleOperator}

func (a *api) routes() {
	a.route("GET /api/{$}", true, nil, a.discovery)
	a.route("GET /api", true, nil, a.discovery)
	a.route("POST /api/sessionMngr/{$}", true, nil, a.logon)
	a.route("POST /api/sessionMngr", true, nil, a.logon)
	a.route("GET /api/logonSessions", false, nil, a.listLogons)
	a.route("GET /api/logonSessions/{id}", false, nil, a.getLogon)
	a.route("DELETE /api/logonSessions/{id}", false, nil, a.logoff)
	a.route("GET /api/backupServers", false, nil, a.listServers)
	a.route("GET /api/backupServers/{id}", false, nil, a.getServer)
	a.route("GET /api/agents/jobs", false, nil, a.listJobs)
	a.route("GET /api/agents/jobs/{id}", false, nil, a.getJob)
	a.route("POST /api/agents/jobs/{id}", false, actors, a.jobAction)
	a.route("GET /api/agents/jobs/{id}/backupSessions", false, nil, a.listJobSessions)
	a.route("GET /api/agents/backupSessions", false, nil, a.listSessions)
	a.route("GET /api/backupSessions/{id}", false, nil, a.getSession)
	a.route("GET /api/tasks", false, nil, a.listTasks)
	a.route("GET /api/tasks/{id}", false, nil, a.getTask)
	a.route("DELETE /api/tasks/{id}", false, nil, a.deleteTask)
	a.route("GET /api/query", false, nil, a.query)
	a.infraRoutes()
	a.mux.HandleFunc("/", a.notFound)
}

// notFound answers paths no route serves: 405 when another method would
// match, 404 otherwise.
func (a *api) notFound(w http.ResponseWriter, r *http.Request) {
	c := &call{r: r, json: wantsJSON(r)}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := a.mux.Handler(probe); p != "/" && p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		rep := errReply(http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not allowed for %s", r.Method, r.URL.Path))
		rep.header = http.Header{"Allow": {strings.Join(allow, ", ")}}
		a.write(w, c, rep)
		return
	}
	a.write(w, c, errReply(http.StatusNotFound, fmt.Sprintf("Resource %s was not found", r.URL.Path)))
}

func (a *api) discovery(c *call) reply {
	versions := elem("SupportedVersions")
	for _, v := range supportedVersions {
		versions.add(elem("SupportedVersion", "Name", v).add(
			list("Links", link("Create", "LogonSession", c.base+"/api/sessionMngr/?v="+v, ""))))
	}
	return ok(http.StatusOK, elem("EnterpriseManager").add(
		list("Links", link("Create", "LogonSession", c.base+"/api/sessionMngr/?v=latest", "")),
		versions))
}

// logon creates a logon session from Basic credentials. Missing ?v= is read
// as latest (inferred); versions before v1_5 are refused with 400 (inferred).
func (a *api) logon(c *call) reply {
	if v := c.q.Get("v"); v != "" && v != "latest" && !contains(supportedVersions, v) {
		return errReply(http.StatusBadRequest, fmt.Sprintf("The specified API version %q is not supported", v))
	}
	user, pass, has := c.r.BasicAuth()
	if i := strings.LastIndexByte(user, '\\'); i >= 0 {
		user = user[i+1:]
	}
	if !has || !contains(simapi.Users, user) || pass != a.env.Password {
		return errReply(http.StatusUnauthorized, "Authentication failed: wrong user name or password")
	}
	l := &logonSession{ID: newGUID(), Token: newToken(), User: user, Role: user, Created: c.now, LastSeen: c.now}
	a.st.Logons = append(a.st.Logons, l)
	c.changed = true
	rep := ok(http.StatusCreated, a.logonNode(c, l))
	rep.header = http.Header{
		"X-RestSvcSessionId": {l.Token}, // vendor spelling, written as is
		"Set-Cookie":         {(&http.Cookie{Name: "X-RestSvcSessionId", Value: l.Token, Path: "/api"}).String()},
		"Location":           {c.base + "/api/logonSessions/" + l.ID},
	}
	return rep
}

func (a *api) logonNode(c *call, l *logonSession) *node {
	href := c.base + "/api/logonSessions/" + l.ID
	return elem("LogonSession", "Href", href, "Type", "LogonSession").add(
		list("Links",
			link("Delete", "LogonSession", href, ""),
			link("Up", "EnterpriseManager", c.base+"/api/", ""),
			link("Down", "BackupServerReferenceList", c.base+"/api/backupServers", ""),
			link("Down", "AgentBackupJobReferenceList", c.base+"/api/agents/jobs", ""),
			link("Down", "BackupJobSessionReferenceList", c.base+"/api/agents/backupSessions", ""),
			link("Down", "TaskReferenceList", c.base+"/api/tasks", ""),
			link("Down", "QueryService", c.base+"/api/query", ""),
		)).
		text("UserName", l.User).
		text("SessionId", l.ID)
}

// listLogons lists the caller's own logon sessions (inferred: the vendor
// does not say whose sessions the list holds).
func (a *api) listLogons(c *call) reply {
	out := elem("LogonSessions")
	var kids []*node
	for _, l := range a.st.Logons {
		if l.User == c.logon.User {
			kids = append(kids, a.logonNode(c, l))
		}
	}
	return ok(http.StatusOK, out.add(inlineList("LogonSessions", kids...)))
}

func (a *api) findLogon(c *call) *logonSession {
	id := c.r.PathValue("id")
	for _, l := range a.st.Logons {
		if strings.EqualFold(l.ID, id) && l.User == c.logon.User {
			return l
		}
	}
	return nil
}

func (a *api) getLogon(c *call) reply {
	l := a.findLogon(c)
	if l == nil {
		return errReply(http.StatusNotFound, fmt.Sprintf("Logon session %q was not found", c.r.PathValue("id")))
	}
	return ok(http.StatusOK, a.logonNode(c, l))
}

// logoff ends a logon session; its tasks stay until they are deleted but no
// one can see them any more.
func (a *api) logoff(c *call) reply {
	l := a.findLogon(c)
	if l == nil {
		return errReply(http.StatusNotFound, fmt.Sprintf("Logon session %q was not found", c.r.PathValue("id")))
	}
	for i, x := range a.st.Logons {
		if x == l {
			a.st.Logons = append(a.st.Logons[:i], a.st.Logons[i+1:]...)
			break
		}
	}
	c.changed = true
	return reply{status: http.StatusNoContent}
}

func (a *api) serverRef(c *call) *node {
	s := a.st.Server
	href := c.base + "/api/backupServers/" + s.ID
	return elem("Ref", "UID", "urn:veeam:BackupServer:"+s.ID, "Name", s.Name, "Href", href, "Type", "BackupServerReference").add(
		list("Links", link("Alternate", "BackupServer", href+"?format=Entity", s.Name)))
}

func (a *api) serverEntity(c *call) *node {
	s := a.st.Server
	href := c.base + "/api/backupServers/" + s.ID
	return elem("BackupServer", "Type", "BackupServer", "Href", href+"?format=Entity", "Name", s.Name, "UID", "urn:veeam:BackupServer:"+s.ID).add(
		list("Links",
			link("Alternate", "BackupServerReference", href, s.Name),
			link("Down", "AgentBackupJobReferenceList", c.base+"/api/agents/jobs", ""))).
		text("Description", s.Description).
		text("Port", s.Port).
		text("Version", s.Version)
}

func (a *api) serverUpLink(c *call) *node {
	return link("Up", "BackupServerReference", c.base+"/api/backupServers/"+a.st.Server.ID, a.st.Server.Name)
}

func (a *api) listServers(c *call) reply {
	if isEntity(c) {
		return ok(http.StatusOK, elem("BackupServers").add(inlineList("BackupServers", a.serverEntity(c))))
	}
	return ok(http.StatusOK, elem("EntityReferences").add(inlineList("Refs", a.serverRef(c))))
}

func (a *api) getServer(c *call) reply {
	if !strings.EqualFold(c.r.PathValue("id"), a.st.Server.ID) {
		return errReply(http.StatusNotFound, fmt.Sprintf("Backup server %q was not found", c.r.PathValue("id")))
	}
	if isEntity(c) {
		return ok(http.StatusOK, a.serverEntity(c))
	}
	r := a.serverRef(c)
	r.name = "EntityRef"
	return ok(http.StatusOK, r)
}

func isEntity(c *call) bool {
	f := strings.ToLower(c.q.Get("format"))
	return f == "entity" || f == "entities"
}

func (a *api) jobRef(c *call, j *agentJob) *node {
	href := c.base + "/api/agents/jobs/" + j.ID
	return elem("Ref", "UID", "urn:veeam:AgentBackupJob:"+j.ID, "Name", j.Name, "Href", href, "Type", "AgentBackupJobReference").add(
		list("Links",
			a.serverUpLink(c),
			link("Alternate", "AgentBackupJob", href+"?format=Entity", j.Name)))
}

// jobEntity is the AgentBackupJob entity in the vendor's element order.
//
// Where a job's last outcome lives: the vendor's JobInfo carries only
// configuration (Includes, GuestProcessingOptions, retention policies), and
// real clients find a job's last result through its backup sessions
// (/api/agents/backupSessions, /api/agents/jobs/{ID}/backupSessions or
// /api/query?type=BackupJobSession, each with JobUid and Result). The
// simulator serves those, and also appends LastResult, LastState and
// LastRunUTC after JobInfo: a simulator extension (not in the vendor XSD)
// so a data query can pick failed jobs in one call.
func (a *api) jobEntity(c *call, j *agentJob) *node {
	href := c.base + "/api/agents/jobs/" + j.ID
	n := elem("AgentBackupJob", "Type", "AgentBackupJob", "Href", href+"?format=Entity", "Name", j.Name, "UID", "urn:veeam:AgentBackupJob:"+j.ID).add(
		list("Links",
			a.serverUpLink(c),
			link("Alternate", "JobReference", href, j.Name),
			link("Down", "ObjectInJobList", href+"/includes", ""),
			link("ToggleScheduleEnabled", "", href+"?action=toggleScheduleEnabled", ""),
			link("Down", "BackupJobSessionReferenceList", href+"/backupSessions", ""),
			link("Start", "", href+"?action=start", ""),
			link("Stop", "", href+"?action=stop", ""),
			link("Retry", "", href+"?action=retry", ""),
		)).
		text("JobType", "AgentBackup").
		text("Platform", j.Platform).
		text("Description", j.Description).
		text("ScheduleConfigured", j.ScheduleConfigured).
		text("ScheduleEnabled", j.ScheduleEnabled).
		text("NextRun", j.NextRun)
	n.add(elem("JobScheduleOptions").add(elem("Standart").add(
		elem("RetryOptions").text("RetryTimes", 3).text("RetryTimeout", 10).text("RetrySpecified", true),
		elem("OptionsDaily", "Enabled", j.ScheduleConfigured).text("Kind", "Everyday").text("Time", "22:00:00.0000000+00:00"),
	)))
	n.add(elem("JobInfo").add(
		elem("SimpleRetentionPolicy").text("RetainCycles", 7).text("RetainDaysToKeep", 7).text("RetainLimitType", "Cycles"),
	))
	state := "Stopped"
	if a.st.running(j.ID) != nil {
		state = "Working"
	}
	return n.text("LastResult", j.LastResult).text("LastState", state).text("LastRunUTC", j.LastRunUTC)
}

func (a *api) listJobs(c *call) reply {
	if isEntity(c) {
		kids := make([]*node, 0, len(a.st.Jobs))
		for _, j := range a.st.Jobs {
			kids = append(kids, a.jobEntity(c, j))
		}
		return ok(http.StatusOK, elem("AgentBackupJobs").add(inlineList("AgentBackupJobs", kids...)))
	}
	kids := make([]*node, 0, len(a.st.Jobs))
	for _, j := range a.st.Jobs {
		kids = append(kids, a.jobRef(c, j))
	}
	return ok(http.StatusOK, elem("EntityReferences").add(inlineList("Refs", kids...)))
}

func (a *api) pathJob(c *call) (*agentJob, reply, bool) {
	id := c.r.PathValue("id")
	j := a.st.job(strings.TrimPrefix(id, "urn:veeam:AgentBackupJob:"))
	if j == nil {
		return nil, errReply(http.StatusNotFound, fmt.Sprintf("Agent backup job %q was not found", id)), false
	}
	return j, reply{}, true
}

func (a *api) getJob(c *call) reply {
	j, rep, found := a.pathJob(c)
	if !found {
		return rep
	}
	if isEntity(c) {
		return ok(http.StatusOK, a.jobEntity(c, j))
	}
	r := a.jobRef(c, j)
	r.name = "EntityRef"
	return ok(http.StatusOK, r)
}

// jobAction starts a task for ?action=retry|start|stop|toggleScheduleEnabled.
// Refusals are 400 Errors (inferred: the vendor does not document them).
func (a *api) jobAction(c *call) reply {
	j, rep, found := a.pathJob(c)
	if !found {
		return rep
	}
	action := c.q.Get("action")
	running := a.st.running(j.ID)
	var op, sessionID string
	switch strings.ToLower(action) {
	case "retry":
		if running != nil {
			return errReply(http.StatusBadRequest, fmt.Sprintf("Job %q is already running", j.Name))
		}
		if j.LastResult != "Failed" {
			return errReply(http.StatusBadRequest, fmt.Sprintf("Cannot retry job %q: only a job that finished with the Failed status can be retried (last result: %s)", j.Name, j.LastResult))
		}
		op = opRetry
	case "start":
		if running != nil {
			return errReply(http.StatusBadRequest, fmt.Sprintf("Job %q is already running", j.Name))
		}
		op = opStart
	case "stop":
		if running == nil {
			return errReply(http.StatusBadRequest, fmt.Sprintf("Job %q is not running", j.Name))
		}
		op, sessionID = opStop, running.ID
	case "togglescheduleenabled":
		op = opToggle
	case "":
		return errReply(http.StatusBadRequest, "The action query parameter is required")
	default:
		return errReply(http.StatusBadRequest, fmt.Sprintf("Unknown action %q", action))
	}
	fault := a.env.SessionFault(c.r.Method, c.r.URL.Path)
	t := &task{
		ID: "task-" + strconv.Itoa(a.st.NextTask), Logon: c.logon.ID, Operation: op, JobID: j.ID,
		SessionID: sessionID, Started: c.now, Duration: int64(a.env.Duration()), Fail: fault.Fail, State: "Running",
	}
	if op == opStop {
		t.Duration /= 5 // stopping is quick next to a backup run (inferred)
	}
	a.st.NextTask++
	switch {
	case fault.Fail:
		t.Message = fault.Message
		if t.Message == "" {
			t.Message = fmt.Sprintf("Job %q failed", j.Name)
		}
	case op == opRetry:
		t.Message = fmt.Sprintf("Job \"%s\" triggered to retry.", j.Name)
	default:
		t.Message = "Ok"
	}
	if op == opRetry || op == opStart {
		// Derived from the task id and Env.Seed: the same run creates the
		// same ids, and a restored state never repeats one.
		sid := stableGUID(strconv.FormatInt(a.env.Seed, 10), "backup-session", t.ID)
		s := &backupSession{ID: sid, JobID: j.ID, JobName: j.Name, Created: c.now, State: "Starting", Result: "None", IsRetry: op == opRetry}
		a.st.Sessions = append(a.st.Sessions, s)
		t.SessionID = s.ID
	}
	a.st.Tasks = append(a.st.Tasks, t)
	a.settle(c.now)
	c.changed = true
	return ok(http.StatusAccepted, a.taskNode(c, t))
}

func (a *api) taskNode(c *call, t *task) *node {
	href := c.base + "/api/tasks/" + t.ID
	links := list("Links", link("Delete", "Task", href, ""))
	if t.SessionID != "" {
		links.add(link("Related", "BackupJobSession", c.base+"/api/backupSessions/"+t.SessionID+"?format=Entity", ""))
	}
	n := elem("Task", "Type", "Task", "Href", href).add(links).
		text("TaskId", t.ID).
		text("State", t.State).
		text("Operation", t.Operation)
	if t.Applied {
		n.add(elem("Result", "Success", t.Success).text("Message", t.Message))
	}
	return n
}

// ownTask finds a task of the caller's logon session: tasks of other logon
// sessions are invisible (404), as the vendor documents.
func (a *api) ownTask(c *call) (int, *task) {
	id := c.r.PathValue("id")
	for i, t := range a.st.Tasks {
		if strings.EqualFold(t.ID, id) && t.Logon == c.logon.ID {
			return i, t
		}
	}
	return -1, nil
}

func (a *api) listTasks(c *call) reply {
	var kids []*node
	for _, t := range a.st.Tasks {
		if t.Logon == c.logon.ID {
			kids = append(kids, a.taskNode(c, t))
		}
	}
	return ok(http.StatusOK, elem("Tasks").add(inlineList("Tasks", kids...)))
}

func (a *api) getTask(c *call) reply {
	_, t := a.ownTask(c)
	if t == nil {
		return errReply(http.StatusNotFound, fmt.Sprintf("Task %q was not found", c.r.PathValue("id")))
	}
	return ok(http.StatusOK, a.taskNode(c, t))
}

// deleteTask removes a task. A task still running is stopped first: its
// operation never takes effect and its backup session ends Failed
// (inferred from "stops or removes a task").
func (a *api) deleteTask(c *call) reply {
	i, t := a.ownTask(c)
	if t == nil {
		return errReply(http.StatusNotFound, fmt.Sprintf("Task %q was not found", c.r.PathValue("id")))
	}
	if !t.Applied {
		if s := a.st.session(t.SessionID); s != nil && s.State != "Stopped" && t.Operation != opStop {
			end := c.now
			s.State, s.Result, s.Ended = "Stopped", "Failed", &end
		}
	}
	a.st.Tasks = append(a.st.Tasks[:i], a.st.Tasks[i+1:]...)
	c.changed = true
	return reply{status: http.StatusNoContent}
}

func (a *api) sessionName(s *backupSession) string {
	return s.JobName + "@" + s.Created.UTC().Format("2006-01-02 15:04:05")
}

func (a *api) sessionRef(c *call, s *backupSession) *node {
	href := c.base + "/api/backupSessions/" + s.ID
	name := a.sessionName(s)
	return elem("Ref", "UID", "urn:veeam:BackupJobSession:"+s.ID, "Name", name, "Href", href, "Type", "BackupJobSessionReference").add(
		list("Links",
			a.serverUpLink(c),
			link("Up", "JobReference", c.base+"/api/agents/jobs/"+s.JobID, s.JobName),
			link("Alternate", "BackupJobSession", href+"?format=Entity", name)))
}

// sessionEntity is a BackupJobSession. JobUid is the agent job's own UID
// (urn:veeam:AgentBackupJob:<id>) so sessions join to jobs directly
// (inferred; VM job sessions carry urn:veeam:Job:<id>).
func (a *api) sessionEntity(c *call, s *backupSession) *node {
	href := c.base + "/api/backupSessions/" + s.ID
	name := a.sessionName(s)
	return elem("BackupJobSession", "Type", "BackupJobSession", "Href", href+"?format=Entity", "Name", name, "UID", "urn:veeam:BackupJobSession:"+s.ID).add(
		list("Links",
			a.serverUpLink(c),
			link("Up", "JobReference", c.base+"/api/agents/jobs/"+s.JobID, s.JobName),
			link("Alternate", "BackupJobSessionReference", href, name))).
		text("JobUid", "urn:veeam:AgentBackupJob:"+s.JobID).
		text("JobName", s.JobName).
		text("JobType", "AgentBackup").
		text("CreationTimeUTC", s.Created).
		text("EndTimeUTC", s.Ended).
		text("State", s.State).
		text("Result", s.Result).
		text("Progress", s.Progress).
		text("IsRetry", s.IsRetry)
}

func (a *api) sessionsReply(c *call, ss []*backupSession) reply {
	kids := make([]*node, 0, len(ss))
	if isEntity(c) {
		for _, s := range ss {
			kids = append(kids, a.sessionEntity(c, s))
		}
		return ok(http.StatusOK, elem("BackupJobSessions").add(inlineList("BackupJobSessions", kids...)))
	}
	for _, s := range ss {
		kids = append(kids, a.sessionRef(c, s))
	}
	return ok(http.StatusOK, elem("EntityReferences").add(inlineList("Refs", kids...)))
}

// listSessions lists every agent backup session (the vendor limits the
// list to 30 days; the simulator keeps all, since seeds carry fixed dates).
func (a *api) listSessions(c *call) reply { return a.sessionsReply(c, a.st.Sessions) }

func (a *api) listJobSessions(c *call) reply {
	j, rep, found := a.pathJob(c)
	if !found {
		return rep
	}
	var ss []*backupSession
	for _, s := range a.st.Sessions {
		if s.JobID == j.ID {
			ss = append(ss, s)
		}
	}
	return a.sessionsReply(c, ss)
}

func (a *api) getSession(c *call) reply {
	id := strings.TrimPrefix(c.r.PathValue("id"), "urn:veeam:BackupJobSession:")
	s := a.st.session(id)
	if s == nil {
		return errReply(http.StatusNotFound, fmt.Sprintf("Backup session %q was not found", id))
	}
	if isEntity(c) {
		return ok(http.StatusOK, a.sessionEntity(c, s))
	}
	r := a.sessionRef(c, s)
	r.name = "EntityRef"
	return ok(http.StatusOK, r)
}

// queryType is one type the query service knows.
type queryType struct {
	plural string // element holding entities: AgentBackupJobs
	known  map[string]bool
	rows   func(a *api, c *call) []queryRow
}

// queryRow is one object: its fields, reference and entity.
type queryRow struct {
	f      fields
	ref    func() *node
	entity func() *node
}

var queryTypes = map[string]queryType{
	"agentbackupjob": {
		plural: "AgentBackupJobs",
		known: set("uid", "id", "name", "platform", "jobtype", "description", "scheduleconfigured", "scheduleenabled",
			"nextrun", "lastresult", "laststate", "lastrunutc", "backupservername", "backupserveruid"),
		rows: func(a *api, c *call) []queryRow {
			out := make([]queryRow, 0, len(a.st.Jobs))
			for _, j := range a.st.Jobs {
				state := "Stopped"
				if a.st.running(j.ID) != nil {
					state = "Working"
				}
				var next, last any
				if j.NextRun != nil {
					next = *j.NextRun
				}
				if j.LastRunUTC != nil {
					last = *j.LastRunUTC
				}
				out = append(out, queryRow{
					f: fields{"uid": "urn:veeam:AgentBackupJob:" + j.ID, "id": j.ID, "name": j.Name, "platform": j.Platform,
						"jobtype": "AgentBackup", "description": j.Description, "scheduleconfigured": j.ScheduleConfigured,
						"scheduleenabled": j.ScheduleEnabled, "nextrun": next, "lastresult": j.LastResult, "laststate": state,
						"lastrunutc": last, "backupservername": a.st.Server.Name, "backupserveruid": a.st.Server.ID},
					ref:    func() *node { return a.jobRef(c, j) },
					entity: func() *node { return a.jobEntity(c, j) },
				})
			}
			return out
		},
	},
	"backupjobsession": {
		plural: "BackupJobSessions",
		known: set("uid", "id", "name", "jobuid", "jobname", "jobtype", "creationtimeutc", "endtimeutc", "state",
			"result", "progress", "isretry", "backupservername", "backupserveruid"),
		rows: func(a *api, c *call) []queryRow {
			out := make([]queryRow, 0, len(a.st.Sessions))
			for _, s := range a.st.Sessions {
				var end any
				if s.Ended != nil {
					end = *s.Ended
				}
				out = append(out, queryRow{
					f: fields{"uid": "urn:veeam:BackupJobSession:" + s.ID, "id": s.ID, "name": a.sessionName(s),
						"jobuid": "urn:veeam:AgentBackupJob:" + s.JobID, "jobname": s.JobName, "jobtype": "AgentBackup",
						"creationtimeutc": s.Created, "endtimeutc": end, "state": s.State, "result": s.Result,
						"progress": s.Progress, "isretry": s.IsRetry, "backupservername": a.st.Server.Name, "backupserveruid": a.st.Server.ID},
					ref:    func() *node { return a.sessionRef(c, s) },
					entity: func() *node { return a.sessionEntity(c, s) },
				})
			}
			return out
		},
	},
	"backupserver": {
		plural: "BackupServers",
		known:  set("uid", "id", "name", "description", "port", "version"),
		rows: func(a *api, c *call) []queryRow {
			s := a.st.Server
			return []queryRow{{
				f: fields{"uid": "urn:veeam:BackupServer:" + s.ID, "id": s.ID, "name": s.Name, "description": s.Description,
					"port": s.Port, "version": s.Version},
				ref:    func() *node { return a.serverRef(c) },
				entity: func() *node { return a.serverEntity(c) },
			}}
		},
	},
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// query is the query service: type, format (Entities|References, default
// References), filter, sortAsc/sortDesc, pageSize and page (1-based; no
// paging when pageSize is absent).
func (a *api) query(c *call) reply {
	q := c.q
	typ := q.Get("type")
	qt, found := queryTypes[strings.ToLower(typ)]
	if !found {
		return errReply(http.StatusBadRequest, fmt.Sprintf("Query type %q is not supported", typ))
	}
	rows := qt.rows(a, c)
	if f := q.Get("filter"); f != "" {
		cnd, err := parseFilter(f, qt.known)
		if err != nil {
			return errReply(http.StatusBadRequest, fmt.Sprintf("Invalid filter %q: %s", f, strings.TrimPrefix(err.Error(), "emsim: ")))
		}
		kept := rows[:0]
		for _, r := range rows {
			if cnd.eval(r.f) {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	if field, desc := q.Get("sortAsc"), false; field != "" || q.Get("sortDesc") != "" {
		if field == "" {
			field, desc = q.Get("sortDesc"), true
		}
		key := strings.ToLower(field)
		if !qt.known[key] {
			return errReply(http.StatusBadRequest, fmt.Sprintf("Cannot sort by unknown field %q", field))
		}
		sort.SliceStable(rows, func(i, j int) bool {
			ci, _ := compare(rows[i].f[key], scalarOrEmpty(rows[j].f[key]))
			if desc {
				return ci > 0
			}
			return ci < 0
		})
	}
	total := len(rows)
	pageNum, pageSize, pages := 1, total, 1
	if ps := q.Get("pageSize"); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 {
			return errReply(http.StatusBadRequest, fmt.Sprintf("Invalid pageSize %q", ps))
		}
		pageSize = n
		if p := q.Get("page"); p != "" {
			if pageNum, err = strconv.Atoi(p); err != nil || pageNum < 1 {
				return errReply(http.StatusBadRequest, fmt.Sprintf("Invalid page %q", p))
			}
		}
		pages = max(1, (total+pageSize-1)/pageSize)
		lo := min(total, (pageNum-1)*pageSize)
		rows = rows[lo:min(total, lo+pageSize)]
	}
	format := strings.ToLower(q.Get("format"))
	res := elem("QueryResult")
	kids := make([]*node, 0, len(rows))
	if format == "entities" || format == "entity" {
		for _, r := range rows {
			kids = append(kids, r.entity())
		}
		res.add(elem("Entities").add(list(qt.plural, kids...)))
	} else {
		for _, r := range rows {
			kids = append(kids, r.ref())
		}
		res.add(list("Refs", kids...))
	}
	links := list("Links")
	pageLink := func(rel string, n int) *node {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("pageSize", strconv.Itoa(max(pageSize, 1)))
		v.Set("page", strconv.Itoa(n))
		return link(rel, "QueryResult", c.base+"/api/query?"+v.Encode(), "")
	}
	links.add(pageLink("First", 1), pageLink("Last", pages))
	if pageNum > 1 {
		links.add(pageLink("Previous", pageNum-1))
	}
	if pageNum < pages {
		links.add(pageLink("Next", pageNum+1))
	}
	res.add(elem("PagingInfo", "PageNum", pageNum, "PageSize", pageSize, "PagesCount", pages).add(links))
	return ok(http.StatusOK, res)
}

func scalarOrEmpty(v any) string {
	if v == nil {
		return ""
	}
	return scalar(v)
}
