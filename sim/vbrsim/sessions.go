package vbrsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// session is a VBR SessionModel plus what the simulator needs to finish
// it: when it ends, whether it fails, and the effect it applies on success.
type session struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	JobID    string        `json:"jobId"`
	Type     string        `json:"sessionType"`
	Created  time.Time     `json:"creationTime"`
	Duration time.Duration `json:"duration"`
	Usn      int64         `json:"usn"`
	InitBy   string        `json:"initiatedBy"`
	// Fail and FailMessage come from Env.SessionFault at start.
	Fail        bool   `json:"fail,omitempty"`
	FailMessage string `json:"failMessage,omitempty"`
	// Op and Args describe the change applied when the session succeeds.
	Op   string          `json:"op,omitempty"`
	Args json.RawMessage `json:"args,omitempty"`

	Done     bool        `json:"done,omitempty"`
	End      time.Time   `json:"endTime,omitzero"`
	Result   string      `json:"result,omitempty"`
	Message  string      `json:"message,omitempty"`
	Canceled bool        `json:"canceled,omitempty"`
	Logs     []logRecord `json:"logs,omitempty"`
}

// logRecord is one SessionLogRecordModel.
type logRecord struct {
	ID      int       `json:"id"`
	Status  string    `json:"status"`
	Start   time.Time `json:"startTime"`
	Update  time.Time `json:"updateTime"`
	Title   string    `json:"title"`
	Details string    `json:"description,omitempty"`
}

// platformID is the all-zero platform id the vendor reports for every
// non-custom platform.
const platformID = "00000000-0000-0000-0000-000000000000"

func (a *API) addSession(s *session) {
	a.sessions = append(a.sessions, s)
	a.sess[strings.ToLower(s.ID)] = s
	if !s.Done {
		a.running[strings.ToLower(s.ID)] = s
	}
}

// start begins an asynchronous operation: its fate (Env.SessionFault) is
// decided now, its effect applies when it ends.
func (a *API) start(c *call, typ, name, op string, args any) *session {
	id := a.newID()
	raw, _ := json.Marshal(args)
	f := a.env.SessionFault(c.r.Method, c.r.URL.Path)
	s := &session{
		ID: id, Name: name, JobID: id, Type: typ, Created: c.now, Duration: a.env.Duration(),
		Usn:    a.nextUsn(),
		InitBy: `.\veeam-rest-service`, Fail: f.Fail, FailMessage: f.Message, Op: op, Args: raw,
	}
	if s.Fail && s.FailMessage == "" {
		s.FailMessage = "Simulated failure."
	}
	s.Logs = []logRecord{{ID: 1, Status: "Succeeded", Start: c.now, Update: c.now, Title: name + " started"}}
	a.addSession(s)
	c.changed = true
	return s
}

// settle finishes every session whose end time has passed, applying its
// effect, and reports whether any did. It runs before every request.
func (a *API) settle(now time.Time) bool {
	if len(a.running) == 0 {
		return false
	}
	var due []*session
	for _, s := range a.running {
		if !now.Before(s.Created.Add(s.Duration)) {
			due = append(due, s)
		}
	}
	// Apply in start order so effects compose as the client issued them.
	slices.SortFunc(due, func(x, y *session) int { return x.Created.Compare(y.Created) })
	for _, s := range due {
		a.finish(s, s.Created.Add(s.Duration))
	}
	return len(due) > 0
}

func (a *API) finish(s *session, end time.Time) {
	delete(a.running, strings.ToLower(s.ID))
	s.Done, s.End = true, end
	next := len(s.Logs) + 1
	if s.Fail {
		s.Result, s.Message = "Failed", s.FailMessage
		s.Logs = append(s.Logs, logRecord{ID: next, Status: "Failed", Start: end, Update: end, Title: s.FailMessage})
		return
	}
	msg, err := a.apply(s)
	if err != nil {
		s.Result, s.Message = "Failed", err.Error()
		s.Logs = append(s.Logs, logRecord{ID: next, Status: "Failed", Start: end, Update: end, Title: err.Error()})
		return
	}
	s.Result = "Success"
	s.Logs = append(s.Logs, logRecord{ID: next, Status: "Succeeded", Start: end, Update: end, Title: msg})
}

// model renders a session as SessionModel at time now.
func (s *session) model(now time.Time) doc {
	// The fields of the vendor's session example (InfrastructureSession
	// ModelExample): no resourceId, resourceReference or platform, which
	// the vendor does not fill reliably and a client must not rely on.
	d := doc{
		"id": s.ID, "name": s.Name, "jobId": s.JobID, "sessionType": s.Type,
		"creationTime": formatTime(s.Created), "usn": s.Usn, "initiatedBy": s.InitBy,
	}
	if s.Done {
		d["state"] = "Stopped"
		d["progressPercent"] = 100
		d["endTime"] = formatTime(s.End)
		d["result"] = map[string]any{"result": s.Result, "message": s.Message, "isCanceled": s.Canceled}
		return d
	}
	frac := 0.0
	if s.Duration > 0 {
		frac = float64(now.Sub(s.Created)) / float64(s.Duration)
	}
	d["state"] = "Working"
	if frac < 0.1 {
		d["state"] = "Starting"
	}
	d["progressPercent"] = min(99, max(0, int(frac*100)))
	d["result"] = map[string]any{"result": "None", "message": "", "isCanceled": false}
	return d
}

func (a *API) sessionReply(c *call, status int, s *session) *reply {
	return a.jsonReply(c, status, s.model(c.now))
}

var sessionColumns = map[string]func(*session) any{
	"Name":        func(s *session) any { return s.Name },
	"SessionType": func(s *session) any { return s.Type },
	"CreationTime": func(s *session) any {
		return float64(s.Created.UnixNano())
	},
	"EndTime":     func(s *session) any { return float64(s.End.UnixNano()) },
	"State":       func(s *session) any { return map[bool]string{true: "Stopped", false: "Working"}[s.Done] },
	"Result":      func(s *session) any { return s.Result },
	"InitiatedBy": func(s *session) any { return s.InitBy },
}

// listSessions serves GET /api/v1/sessions with the documented filters.
// Without orderColumn the newest session comes first (inferred).
func (a *API) listSessions(c *call) *reply {
	cols := map[string]column{}
	for k := range sessionColumns {
		cols[k] = nil
	}
	p, bad := listQuery(c, cols)
	if bad != nil {
		return bad
	}
	q := c.r.URL.Query()
	var times [4]time.Time
	for i, name := range []string{"createdAfterFilter", "createdBeforeFilter", "endedAfterFilter", "endedBeforeFilter"} {
		if v := q.Get(name); v != "" {
			t, err := parseTime(v)
			if err != nil {
				return badRequest(fmt.Sprintf("The %s parameter must be a date-time, got %q.", name, v))
			}
			times[i] = t
		}
	}
	types, results := q["typeFilter"], q["resultFilter"]
	state, jobID := q.Get("stateFilter"), q.Get("jobIdFilter")
	var out []*session
	for i := len(a.sessions) - 1; i >= 0; i-- {
		s := a.sessions[i]
		m := s.model(c.now)
		switch {
		case !nameMatch(p.nameFilter, s.Name),
			!times[0].IsZero() && !s.Created.After(times[0]),
			!times[1].IsZero() && !s.Created.Before(times[1]),
			!times[2].IsZero() && (!s.Done || !s.End.After(times[2])),
			!times[3].IsZero() && (!s.Done || !s.End.Before(times[3])),
			len(types) > 0 && !containsFold(types, s.Type),
			len(results) > 0 && !containsFold(results, m["result"].(map[string]any)["result"].(string)),
			state != "" && !strings.EqualFold(state, m["state"].(string)),
			jobID != "" && !strings.EqualFold(jobID, s.JobID):
			continue
		}
		out = append(out, s)
	}
	if p.orderColumn != "" {
		col := sessionColumns[p.orderColumn]
		slices.SortStableFunc(out, func(x, y *session) int {
			r := compareAny(col(x), col(y))
			if !p.asc {
				r = -r
			}
			return r
		})
	}
	total := len(out)
	lo := min(p.skip, total)
	hi := min(lo+p.limit, total)
	data := make([]any, 0, hi-lo)
	for _, s := range out[lo:hi] {
		data = append(data, s.model(c.now))
	}
	return a.jsonReply(c, http.StatusOK, map[string]any{
		"data":       data,
		"pagination": map[string]any{"total": total, "count": len(data), "skip": p.skip, "limit": p.limit},
	})
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func (a *API) getSession(c *call) *reply {
	s, ok := a.sess[strings.ToLower(c.vars["id"])]
	if !ok {
		return notFound("Session", c.vars["id"])
	}
	return a.sessionReply(c, http.StatusOK, s)
}

// sessionLogs serves GET /api/v1/sessions/{id}/logs (SessionLogResult).
// additionalInfo is a string in rev0 and an array in rev2, so it is left
// out.
func (a *API) sessionLogs(c *call) *reply {
	s, ok := a.sess[strings.ToLower(c.vars["id"])]
	if !ok {
		return notFound("Session", c.vars["id"])
	}
	filter := c.r.URL.Query().Get("statusFilter")
	recs := []any{}
	for _, l := range s.Logs {
		if filter != "" && !strings.EqualFold(filter, l.Status) {
			continue
		}
		recs = append(recs, map[string]any{
			"id": l.ID, "status": l.Status, "title": l.Title,
			"startTime": formatTime(l.Start), "updateTime": formatTime(l.Update),
		})
	}
	return a.jsonReply(c, http.StatusOK, map[string]any{"totalRecords": len(recs), "records": recs})
}

// stopSession serves POST /api/v1/sessions/{id}/stop: a running session
// ends at once with isCanceled=true and its change is not applied.
// Stopping a finished session is refused (inferred: 400).
func (a *API) stopSession(c *call) *reply {
	s, ok := a.sess[strings.ToLower(c.vars["id"])]
	if !ok {
		return notFound("Session", c.vars["id"])
	}
	if s.Done {
		return badRequest(fmt.Sprintf("Session %s is not running.", s.ID))
	}
	delete(a.running, strings.ToLower(s.ID))
	s.Done, s.End, s.Canceled = true, c.now, true
	s.Result, s.Message = "Failed", "Stopped by user."
	s.Logs = append(s.Logs, logRecord{ID: len(s.Logs) + 1, Status: "Warning", Start: c.now, Update: c.now, Title: "Session has been stopped by user " + c.user})
	c.changed = true
	return a.jsonReply(c, http.StatusOK, map[string]any{})
}

// parseTime accepts RFC 3339 with or without a zone and 0-7 fractional
// digits (the vendor's examples use all of these).
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date-time: %q", s)
}
