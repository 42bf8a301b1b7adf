package em_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/em"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch
}

type fakeTask struct {
	session  string // logon session that started it
	polls    int
	finishAt int
	success  bool
	message  string
}

// fakeEM is a small Enterprise Manager server: Basic logon, sessions in
// X-RestSvcSessionId, tasks visible only to the session that started them,
// and XML answers unless Accept asks for JSON (or xmlOnly is set).
type fakeEM struct {
	mu        sync.Mutex
	xmlOnly   bool
	sessions  map[string]bool
	tasks     map[string]*fakeTask
	logons    int
	next      int
	hits      map[string]int
	sessOf    map[string][]string // request key -> sessions used
	failTask  bool
	emptyList bool // answer the job list with 200 and no body
}

func newFakeEM(t *testing.T) (*fakeEM, *httptest.Server) {
	f := &fakeEM{sessions: map[string]bool{}, tasks: map[string]*fakeTask{}, hits: map[string]int{}, sessOf: map[string][]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeEM) expireSessions() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions = map[string]bool{}
}

func (f *fakeEM) write(w http.ResponseWriter, r *http.Request, status int, xmlBody string, jsonBody any) {
	if f.xmlOnly || !strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?>`+xmlBody)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(jsonBody)
}

func (f *fakeEM) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	f.write(w, r, status,
		fmt.Sprintf(`<Error xmlns="http://www.veeam.com/ent/v1.0" Message=%q StatusCode="%d" Status=%q/>`, msg, status, code),
		map[string]any{"Message": msg, "StatusCode": status, "Status": code})
}

func (f *fakeEM) taskDoc(w http.ResponseWriter, r *http.Request, status int, id string, t *fakeTask) {
	state := "Running"
	var resXML string
	j := map[string]any{"Type": "Task", "Href": "http://em/api/tasks/" + id, "TaskId": id, "Operation": "RetryAgentJob",
		"Links": []any{map[string]any{"Rel": "Delete", "Type": "Task", "Href": "http://em/api/tasks/" + id}}}
	if t.polls >= t.finishAt {
		state = "Finished"
		resXML = fmt.Sprintf(`<Result Success="%t"><Message>%s</Message></Result>`, t.success, t.message)
		j["Result"] = map[string]any{"Success": t.success, "Message": t.message}
	}
	j["State"] = state
	f.write(w, r, status, fmt.Sprintf(`<Task xmlns="http://www.veeam.com/ent/v1.0" Type="Task" Href="http://em/api/tasks/%s">`+
		`<Links><Link Rel="Delete" Type="Task" Href="http://em/api/tasks/%s" /></Links>`+
		`<TaskId>%s</TaskId><State>%s</State><Operation>RetryAgentJob</Operation>%s</Task>`, id, id, id, state, resXML), j)
}

func (f *fakeEM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := r.Method + " " + veeam.PathTemplate(r.URL.Path)
	f.hits[key]++
	if key == "POST /api/sessionMngr/" {
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:Passw0rd!"))
		if r.Header.Get("Authorization") != want || r.URL.Query().Get("v") != "latest" {
			w.Header().Set("WWW-Authenticate", "Basic Realm=RestSvc")
			f.fail(w, r, 401, "Unauthorized", "Invalid credentials")
			return
		}
		f.logons++
		f.next++
		guid := fmt.Sprintf("44cfbdbe-5a95-4156-8867-%012d", f.next)
		tok := base64.StdEncoding.EncodeToString([]byte(guid))
		f.sessions[tok] = true
		w.Header().Set("X-RestSvcSessionId", tok)
		f.write(w, r, 201, fmt.Sprintf(`<LogonSession xmlns="http://www.veeam.com/ent/v1.0" Href="http://em/api/logonSessions/%s" Type="LogonSession">`+
			`<Links><Link Rel="Delete" Href="http://em/api/logonSessions/%s"/></Links><UserName>admin</UserName><SessionId>%s</SessionId></LogonSession>`, guid, guid, guid),
			map[string]any{"Href": "http://em/api/logonSessions/" + guid, "Type": "LogonSession", "UserName": "admin", "SessionId": guid})
		return
	}
	sess := r.Header.Get("X-RestSvcSessionId")
	if !f.sessions[sess] {
		f.fail(w, r, 401, "Unauthorized", "Session is expired or invalid")
		return
	}
	f.sessOf[key] = append(f.sessOf[key], sess)
	switch {
	case key == "DELETE /api/logonSessions/{id}":
		delete(f.sessions, sess)
		w.WriteHeader(204)
	case key == "GET /api/agents/jobs" && f.emptyList:
		w.WriteHeader(http.StatusOK)
	case key == "GET /api/agents/jobs":
		f.write(w, r, 200, `<EntityReferences xmlns="http://www.veeam.com/ent/v1.0">`+
			`<Ref UID="urn:veeam:AgentBackupJob:1" Name="Oracle Backup" Href="http://em/api/agents/jobs/1" Type="AgentBackupJobReference"><Links><Link Rel="Alternate" Href="x"/></Links></Ref>`+
			`<Ref UID="urn:veeam:AgentBackupJob:2" Name="SQL Backup" Href="http://em/api/agents/jobs/2" Type="AgentBackupJobReference"><Links><Link Rel="Alternate" Href="y"/></Links></Ref>`+
			`</EntityReferences>`,
			map[string]any{"AgentBackupJobs": []any{
				map[string]any{"UID": "urn:veeam:AgentBackupJob:1", "Name": "Oracle Backup", "Platform": "AgentForLinux"},
				map[string]any{"UID": "urn:veeam:AgentBackupJob:2", "Name": "SQL Backup", "Platform": "AgentForWindows"},
			}})
	case key == "POST /api/agents/jobs/{id}" && r.URL.Query().Get("action") == "retry":
		f.next++
		id := fmt.Sprintf("task-%d", f.next)
		t := &fakeTask{session: sess, finishAt: 2, success: !f.failTask, message: `Job "Oracle Backup" triggered to retry.`}
		if f.failTask {
			t.message = "Job cannot be retried: last result is Success"
		}
		f.tasks[id] = t
		f.taskDoc(w, r, 202, id, t)
	case key == "GET /api/tasks/{id}":
		id := r.URL.Path[len("/api/tasks/"):]
		t := f.tasks[id]
		if t == nil || t.session != sess { // tasks are scoped to their logon session
			f.fail(w, r, 404, "NotFound", "Task "+id+" not found")
			return
		}
		t.polls++
		f.taskDoc(w, r, 200, id, t)
	default:
		f.fail(w, r, 404, "NotFound", "no route "+key)
	}
}

func newClient(t *testing.T, url string) *em.Client {
	t.Helper()
	c, err := em.New(veeam.Config{URL: url, Username: "admin", Password: "Passw0rd!",
		Clock: &fakeClock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}, Retry: veeam.RetryPolicy{BaseDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRetryJobAndAwaitTaskInSameSession(t *testing.T) {
	t.Parallel()
	for _, xmlOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("xml=%v", xmlOnly), func(t *testing.T) {
			t.Parallel()
			f, srv := newFakeEM(t)
			f.xmlOnly = xmlOnly
			c := newClient(t, srv.URL)
			ctx := context.Background()
			task, err := c.StartAction(ctx, "/api/agents/jobs/78c3919c-54d7-43fe-b047-485d3566f11f", "retry")
			if err != nil {
				t.Fatal(err)
			}
			id := em.TaskID(task)
			if diff := cmp.Diff("task-2", id); diff != "" {
				t.Fatalf("TaskID (-want +got):\n%s", diff)
			}
			var states []string
			done, err := c.AwaitTask(ctx, id, veeam.AwaitOptions{OnProgress: func(p veeam.Progress) { states = append(states, p.State) }})
			if err != nil {
				t.Fatalf("AwaitTask: %v", err)
			}
			if diff := cmp.Diff(`Job "Oracle Backup" triggered to retry.`, veeam.String(done, "Result", "Message")); diff != "" {
				t.Errorf("result message (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Running", "Finished"}, states); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
			if links := veeam.Items(done, "Links"); len(links) != 1 || veeam.String(links[0], "Rel") != "Delete" {
				t.Errorf("Links = %v, want one Delete link", done["Links"])
			}
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.logons != 1 {
				t.Errorf("logons = %d, want 1", f.logons)
			}
			var used []string
			for _, k := range []string{"POST /api/agents/jobs/{id}", "GET /api/tasks/{id}", "DELETE /api/logonSessions/{id}"} {
				used = append(used, f.sessOf[k]...)
			}
			for _, s := range used {
				if s != used[0] {
					t.Errorf("requests used sessions %v, want one session throughout", used)
					break
				}
			}
			if len(f.sessions) != 0 {
				t.Errorf("sessions still open after Close: %d", len(f.sessions))
			}
		})
	}
}

func TestTaskFailure(t *testing.T) {
	t.Parallel()
	f, srv := newFakeEM(t)
	f.failTask = true
	c := newClient(t, srv.URL)
	ctx := context.Background()
	task, err := c.StartAction(ctx, "/api/agents/jobs/78c3919c-54d7-43fe-b047-485d3566f11f", "retry")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AwaitTask(ctx, em.TaskID(task), veeam.AwaitOptions{})
	var ae *veeam.AsyncError
	if !errors.As(err, &ae) || ae.Message != "Job cannot be retried: last result is Success" || ae.Kind != veeam.KindTask {
		t.Errorf("AwaitTask() error = %#v, want AsyncError with the server message", err)
	}
}

func TestSessionExpiryLosesTheTask(t *testing.T) {
	t.Parallel()
	f, srv := newFakeEM(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()
	task, err := c.StartAction(ctx, "/api/agents/jobs/78c3919c-54d7-43fe-b047-485d3566f11f", "retry")
	if err != nil {
		t.Fatal(err)
	}
	f.expireSessions() // 15 minutes idle passed
	_, err = c.AwaitTask(ctx, em.TaskID(task), veeam.AwaitOptions{})
	var uo *em.UnknownOutcomeError
	if !errors.As(err, &uo) || !errors.Is(err, veeam.ErrUncertain) {
		t.Fatalf("AwaitTask() error = %v, want *UnknownOutcomeError wrapping ErrUncertain", err)
	}
	if !strings.Contains(err.Error(), "re-read state") {
		t.Errorf("error %q does not tell the caller to re-read state", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.logons != 2 {
		t.Errorf("logons = %d, want 2 (one re-logon)", f.logons)
	}
}

func TestListAndErrors(t *testing.T) {
	t.Parallel()
	for _, xmlOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("xml=%v", xmlOnly), func(t *testing.T) {
			t.Parallel()
			f, srv := newFakeEM(t)
			f.xmlOnly = xmlOnly
			c := newClient(t, srv.URL)
			ctx := context.Background()
			jobs, err := c.List(ctx, "/api/agents/jobs", nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, j := range jobs {
				names = append(names, veeam.String(j, "Name"))
			}
			if diff := cmp.Diff([]string{"Oracle Backup", "SQL Backup"}, names); diff != "" {
				t.Errorf("List names (-want +got):\n%s", diff)
			}
			_, err = c.Get(ctx, "/api/nothing", nil)
			var apiErr *veeam.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.Code != "NotFound" || apiErr.Message != "no route GET /api/nothing" {
				t.Errorf("Get() error = %#v, want 404 NotFound with the server message", err)
			}
		})
	}
}

func TestBadCredentials(t *testing.T) {
	t.Parallel()
	_, srv := newFakeEM(t)
	c, err := em.New(veeam.Config{URL: srv.URL, Username: "admin", Password: "nope-secret"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(context.Background(), "/api/agents/jobs", nil)
	if !veeam.IsStatus(err, 401) || strings.Contains(err.Error(), "nope-secret") {
		t.Errorf("Get() error = %v, want 401 without the password", err)
	}
}

// TestEmptyListAnswerIsAnError: a 200 with no body is not an empty list.
func TestEmptyListAnswerIsAnError(t *testing.T) {
	t.Parallel()
	f, srv := newFakeEM(t)
	f.emptyList = true
	c := newClient(t, srv.URL)
	jobs, err := c.List(context.Background(), "/api/agents/jobs", nil)
	if !errors.Is(err, veeam.ErrMalformedList) || !strings.Contains(err.Error(), "list /api/agents/jobs") {
		t.Errorf("List() = %d jobs, %v; want ErrMalformedList naming the call", len(jobs), err)
	}
}
