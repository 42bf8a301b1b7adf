package emsim

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/sim/simapi"
)

const password = "Passw0rd!"

// Seeded job ids (seed.yaml).
const (
	jobWinFailed  = "a6deb158-b26c-4140-8b26-5a3cc344e8ec" // Windows Servers Backup, Failed
	jobSQLSuccess = "95f84a48-6e05-459a-8f26-f2330c9efdf5" // SQL Servers Backup, Success
	jobOracle     = "78c3919c-54d7-43fe-b047-485d3566f11f" // Oracle Backup, Failed
)

// fakeClock is a clock tests advance by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is one simulated Enterprise Manager behind httptest.
type fixture struct {
	t       *testing.T
	api     simapi.API
	srv     *httptest.Server
	clock   *fakeClock
	mu      sync.Mutex
	changed int
	faults  map[string]simapi.SessionFault // by path
}

func newFixture(t *testing.T, seed json.RawMessage) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}, faults: map[string]simapi.SessionFault{}}
	env := simapi.Env{
		Clock:    f.clock,
		Duration: func() time.Duration { return 10 * time.Second },
		SessionFault: func(method, path string) simapi.SessionFault {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.faults[path]
		},
		Changed:  func() { f.mu.Lock(); f.changed++; f.mu.Unlock() },
		Password: password,
		BaseURL:  func() string { return "https://em.test:9398" },
	}
	a, err := New(env, seed)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.api = a
	f.srv = httptest.NewServer(a.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; token goes in the X-RestSvcSessionId header.
func (f *fixture) do(method, path, token, accept string, mod ...func(*http.Request)) resp {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Host = "em.test:9398" // the name the client addresses
	if token != "" {
		req.Header.Set("X-RestSvcSessionId", token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for _, m := range mod {
		m(req)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}

func (f *fixture) logon(user string) string {
	f.t.Helper()
	r := f.do("POST", "/api/sessionMngr/?v=latest", "", "", func(r *http.Request) { r.SetBasicAuth(user, password) })
	if r.status != http.StatusCreated {
		f.t.Fatalf("logon %s: status %d: %s", user, r.status, r.body)
	}
	return r.header.Get("X-RestSvcSessionId")
}

// getJSON sends a JSON request and decodes the answer.
func (f *fixture) getJSON(method, path, token string, wantStatus int) map[string]any {
	f.t.Helper()
	r := f.do(method, path, token, "application/json")
	if r.status != wantStatus {
		f.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, wantStatus, r.body)
	}
	if len(r.body) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		f.t.Fatalf("%s %s: decode %q: %v", method, path, r.body, err)
	}
	return m
}

func TestDiscoveryIsPublic(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	r := f.do("GET", "/api/", "", "")
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	var doc struct {
		XMLName  xml.Name `xml:"http://www.veeam.com/ent/v1.0 EnterpriseManager"`
		Versions []struct {
			Name string `xml:"Name,attr"`
		} `xml:"SupportedVersions>SupportedVersion"`
		Links []struct {
			Rel  string `xml:"Rel,attr"`
			Type string `xml:"Type,attr"`
			Href string `xml:"Href,attr"`
		} `xml:"Links>Link"`
	}
	if err := xml.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	var names []string
	for _, v := range doc.Versions {
		names = append(names, v.Name)
	}
	if diff := cmp.Diff([]string{"v1_5", "v1_6", "v1_7"}, names); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if len(doc.Links) != 1 || doc.Links[0].Rel != "Create" || doc.Links[0].Href != "https://em.test:9398/api/sessionMngr/?v=latest" {
		t.Errorf("links = %+v", doc.Links)
	}
}

func TestLogon(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		path       string
		user, pass string
		basic      bool
		wantStatus int
	}{
		"admin latest":   {"/api/sessionMngr/?v=latest", "admin", password, true, 201},
		"viewer v1_7":    {"/api/sessionMngr/?v=v1_7", "viewer", password, true, 201},
		"domain user":    {"/api/sessionMngr/?v=latest", `LAB\operator`, password, true, 201},
		"bad password":   {"/api/sessionMngr/?v=latest", "admin", "nope", true, 401},
		"unknown user":   {"/api/sessionMngr/?v=latest", "root", password, true, 401},
		"no credentials": {"/api/sessionMngr/?v=latest", "", "", false, 401},
		"old version":    {"/api/sessionMngr/?v=v1_4", "admin", password, true, 400},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			r := f.do("POST", tc.path, "", "", func(r *http.Request) {
				if tc.basic {
					r.SetBasicAuth(tc.user, tc.pass)
				}
			})
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.body)
			}
			switch tc.wantStatus {
			case 401:
				if got := r.header.Get("WWW-Authenticate"); got != "Basic Realm=RestSvc" {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				if !strings.Contains(string(r.body), `StatusCode="401"`) || strings.Contains(string(r.body), password) {
					t.Errorf("body = %s", r.body)
				}
			case 201:
				token := r.header.Get("X-RestSvcSessionId")
				if token == "" {
					t.Fatal("no X-RestSvcSessionId header")
				}
				if ck := r.header.Get("Set-Cookie"); ck != "X-RestSvcSessionId="+token+"; Path=/api" {
					t.Errorf("Set-Cookie = %q", ck)
				}
				var ls struct {
					Href      string `xml:"Href,attr"`
					UserName  string
					SessionId string
				}
				if err := xml.Unmarshal(r.body, &ls); err != nil {
					t.Fatal(err)
				}
				if ls.Href != "https://em.test:9398/api/logonSessions/"+ls.SessionId || ls.SessionId == "" {
					t.Errorf("LogonSession = %+v", ls)
				}
				// The session works, logoff ends it.
				f.getJSON("GET", "/api/agents/jobs", token, 200)
				f.getJSON("DELETE", "/api/logonSessions/"+ls.SessionId, token, 204)
				f.getJSON("GET", "/api/agents/jobs", token, 401)
			}
		})
	}
}

func TestIdleExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	token := f.logon("admin")
	steps := []struct {
		advance time.Duration
		want    int
	}{
		{14 * time.Minute, 200}, // refreshes idle time
		{14 * time.Minute, 200}, // 28 min after logon, 14 idle
		{15 * time.Minute, 401}, // idle for 15 minutes: gone
		{0, 401},
	}
	for i, s := range steps {
		f.clock.Advance(s.advance)
		if r := f.do("GET", "/api/agents/jobs", token, ""); r.status != s.want {
			t.Fatalf("step %d: status %d, want %d: %s", i, r.status, s.want, r.body)
		}
	}
}

func TestCookieWinsOverHeader(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	admin, viewer := f.logon("admin"), f.logon("viewer")
	// header says admin, cookie says viewer: the viewer is refused.
	r := f.do("POST", "/api/agents/jobs/"+jobWinFailed+"?action=retry", admin, "", func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: "X-RestSvcSessionId", Value: viewer})
	})
	if r.status != http.StatusForbidden {
		t.Fatalf("status %d, want 403: %s", r.status, r.body)
	}
}

func TestXMLAndJSON(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	token := f.logon("admin")
	r := f.do("GET", "/api/agents/jobs/"+jobWinFailed+"?format=Entity", token, "")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
		t.Errorf("default Content-Type = %q", ct)
	}
	body := string(r.body)
	if !strings.Contains(body, `<AgentBackupJob xmlns="http://www.veeam.com/ent/v1.0" Type="AgentBackupJob"`) {
		t.Errorf("xml root: %s", body)
	}
	order := []string{"<Links>", "<JobType>AgentBackup</JobType>", "<Platform>AgentForWindows</Platform>", "<Description>",
		"<ScheduleConfigured>true</ScheduleConfigured>", "<ScheduleEnabled>true</ScheduleEnabled>", "<JobScheduleOptions>", "<JobInfo>", "<LastResult>Failed</LastResult>"}
	last := -1
	for _, el := range order {
		i := strings.Index(body, el)
		if i <= last {
			t.Fatalf("element %s out of vendor order in %s", el, body)
		}
		last = i
	}

	j := f.getJSON("GET", "/api/agents/jobs/"+jobWinFailed+"?format=Entity", token, 200)
	want := map[string]any{
		"Type": "AgentBackupJob", "Name": "Windows Servers Backup", "UID": "urn:veeam:AgentBackupJob:" + jobWinFailed,
		"JobType": "AgentBackup", "Platform": "AgentForWindows", "ScheduleConfigured": true, "ScheduleEnabled": true, "LastResult": "Failed",
	}
	got := map[string]any{}
	for k := range want {
		got[k] = j[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("json entity (-want +got):\n%s", diff)
	}
	if links, _ := j["Links"].([]any); len(links) != 8 {
		t.Errorf("Links = %v", j["Links"])
	}

	refs := f.getJSON("GET", "/api/agents/jobs", token, 200)
	if list, _ := refs["Refs"].([]any); len(list) != 6 {
		t.Errorf("Refs = %v", refs)
	}
	ents := f.getJSON("GET", "/api/agents/jobs?format=Entity", token, 200)
	if list, _ := ents["AgentBackupJobs"].([]any); len(list) != 6 {
		t.Errorf("AgentBackupJobs = %v", ents)
	}

	// Errors in both forms.
	e := f.getJSON("GET", "/api/agents/jobs/00000000-0000-0000-0000-000000000000", token, 404)
	if diff := cmp.Diff(map[string]any{"Message": `Agent backup job "00000000-0000-0000-0000-000000000000" was not found`, "StatusCode": float64(404), "Status": "NotFound"}, e); diff != "" {
		t.Errorf("json error (-want +got):\n%s", diff)
	}
	x := f.do("GET", "/api/agents/jobs/nope", token, "application/xml")
	var xe struct {
		XMLName    xml.Name `xml:"http://www.veeam.com/ent/v1.0 Error"`
		StatusCode int      `xml:"StatusCode,attr"`
		Status     string   `xml:"Status,attr"`
	}
	if err := xml.Unmarshal(x.body, &xe); err != nil || xe.StatusCode != 404 || xe.Status != "NotFound" {
		t.Errorf("xml error %s: %+v %v", x.body, xe, err)
	}
	if r := f.do("DELETE", "/api/agents/jobs", token, ""); r.status != 405 {
		t.Errorf("DELETE collection: status %d", r.status)
	}
}

// taskDoc is the JSON Task.
type taskDoc struct {
	TaskId, State, Operation string
	Result                   *struct {
		Success bool
		Message string
	}
}

func decodeTask(t *testing.T, m map[string]any) taskDoc {
	t.Helper()
	b, _ := json.Marshal(m)
	var td taskDoc
	if err := json.Unmarshal(b, &td); err != nil {
		t.Fatal(err)
	}
	return td
}

func TestRetryProgression(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		job        string
		name       string
		fault      simapi.SessionFault
		wantResult string
		wantMsg    string
		success    bool
	}{
		"success": {jobWinFailed, "Windows Servers Backup", simapi.SessionFault{}, "Success", `Job "Windows Servers Backup" triggered to retry.`, true},
		"fault":   {jobOracle, "Oracle Backup", simapi.SessionFault{Fail: true, Message: "Agent is unreachable"}, "Failed", "Agent is unreachable", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			f.faults["/api/agents/jobs/"+tc.job] = tc.fault
			token := f.logon("operator")
			path := "/api/agents/jobs/" + tc.job + "?action=retry"
			r := f.do("POST", path, token, "")
			if r.status != http.StatusAccepted {
				t.Fatalf("retry: status %d: %s", r.status, r.body)
			}
			if !strings.Contains(string(r.body), "<TaskId>task-1</TaskId><State>Running</State><Operation>RetryAgentJob</Operation></Task>") {
				t.Errorf("task body: %s", r.body)
			}
			steps := []struct {
				advance    time.Duration
				state      string
				jobResult  string
				withResult bool
			}{
				{5 * time.Second, "Running", "Failed", false},
				{3 * time.Second, "OperationFinished", tc.wantResult, true},
				{2 * time.Second, "Finished", tc.wantResult, true},
				{time.Minute, "Finished", tc.wantResult, true},
			}
			for i, s := range steps {
				f.clock.Advance(s.advance)
				td := decodeTask(t, f.getJSON("GET", "/api/tasks/task-1", token, 200))
				if td.State != s.state || (td.Result != nil) != s.withResult {
					t.Fatalf("step %d: task %+v, want state %s result %v", i, td, s.state, s.withResult)
				}
				if td.Result != nil && (td.Result.Success != tc.success || td.Result.Message != tc.wantMsg) {
					t.Errorf("step %d: result %+v", i, *td.Result)
				}
				job := f.getJSON("GET", "/api/agents/jobs/"+tc.job+"?format=Entity", token, 200)
				if job["LastResult"] != s.jobResult {
					t.Errorf("step %d: job LastResult %v, want %s", i, job["LastResult"], s.jobResult)
				}
			}
			// The retry left a backup session of the job.
			q := f.getJSON("GET", "/api/query?type=BackupJobSession&format=Entities&filter=JobUid==urn:veeam:AgentBackupJob:"+tc.job+";IsRetry==true", token, 200)
			sessions := q["Entities"].(map[string]any)["BackupJobSessions"].([]any)
			if len(sessions) != 1 {
				t.Fatalf("retry sessions = %v", sessions)
			}
			s := sessions[0].(map[string]any)
			if s["Result"] != tc.wantResult || s["State"] != "Stopped" || s["Progress"] != float64(100) || s["JobName"] != tc.name {
				t.Errorf("session = %v", s)
			}
			// Retrying again is refused unless the retry failed.
			want := http.StatusBadRequest
			if !tc.success {
				want = http.StatusAccepted
			}
			if r := f.do("POST", path, token, ""); r.status != want {
				t.Errorf("second retry: status %d, want %d: %s", r.status, want, r.body)
			}
		})
	}
}

func TestActionRefusals(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		user   string
		path   string
		status int
		msg    string
	}{
		"retry of a successful job": {"admin", "/api/agents/jobs/" + jobSQLSuccess + "?action=retry", 400, `Cannot retry job "SQL Servers Backup": only a job that finished with the Failed status can be retried (last result: Success)`},
		"viewer may not retry":      {"viewer", "/api/agents/jobs/" + jobWinFailed + "?action=retry", 403, "Access denied"},
		"viewer may not start":      {"viewer", "/api/agents/jobs/" + jobSQLSuccess + "?action=start", 403, "Access denied"},
		"operator may retry":        {"operator", "/api/agents/jobs/" + jobWinFailed + "?action=retry", 202, ""},
		"admin may start":           {"admin", "/api/agents/jobs/" + jobSQLSuccess + "?action=start", 202, ""},
		"unknown job":               {"admin", "/api/agents/jobs/11111111-2222-3333-4444-555555555555?action=retry", 404, `Agent backup job "11111111-2222-3333-4444-555555555555" was not found`},
		"unknown action":            {"admin", "/api/agents/jobs/" + jobWinFailed + "?action=explode", 400, `Unknown action "explode"`},
		"stop of an idle job":       {"admin", "/api/agents/jobs/" + jobWinFailed + "?action=stop", 400, `Job "Windows Servers Backup" is not running`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			m := f.getJSON("POST", tc.path, f.logon(tc.user), tc.status)
			if tc.msg != "" && m["Message"] != tc.msg {
				t.Errorf("Message = %q, want %q", m["Message"], tc.msg)
			}
		})
	}
}

func TestStartThenStop(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	token := f.logon("admin")
	start := decodeTask(t, f.getJSON("POST", "/api/agents/jobs/"+jobSQLSuccess+"?action=start", token, 202))
	f.clock.Advance(time.Second)
	if job := f.getJSON("GET", "/api/agents/jobs/"+jobSQLSuccess+"?format=Entity", token, 200); job["LastState"] != "Working" {
		t.Fatalf("job while running: %v", job["LastState"])
	}
	f.getJSON("POST", "/api/agents/jobs/"+jobSQLSuccess+"?action=start", token, 400) // already running
	stop := decodeTask(t, f.getJSON("POST", "/api/agents/jobs/"+jobSQLSuccess+"?action=stop", token, 202))
	f.clock.Advance(10 * time.Second)
	st := decodeTask(t, f.getJSON("GET", "/api/tasks/"+start.TaskId, token, 200))
	sp := decodeTask(t, f.getJSON("GET", "/api/tasks/"+stop.TaskId, token, 200))
	if st.Result == nil || st.Result.Success || sp.Result == nil || !sp.Result.Success || sp.Operation != "StopAgentJob" {
		t.Errorf("start %+v stop %+v", st, sp)
	}
	job := f.getJSON("GET", "/api/agents/jobs/"+jobSQLSuccess+"?format=Entity", token, 200)
	if job["LastResult"] != "Failed" || job["LastState"] != "Stopped" {
		t.Errorf("job after stop: %v %v", job["LastResult"], job["LastState"])
	}
}

func TestTaskVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	a1, a2 := f.logon("admin"), f.logon("admin")
	task := decodeTask(t, f.getJSON("POST", "/api/agents/jobs/"+jobWinFailed+"?action=retry", a1, 202))
	if task.TaskId != "task-1" {
		t.Fatalf("TaskId %q", task.TaskId)
	}
	f.getJSON("GET", "/api/tasks/task-1", a1, 200)
	f.getJSON("GET", "/api/tasks/task-1", a2, 404)
	count := func(token string) int {
		l, _ := f.getJSON("GET", "/api/tasks", token, 200)["Tasks"].([]any)
		return len(l)
	}
	if c1, c2 := count(a1), count(a2); c1 != 1 || c2 != 0 {
		t.Errorf("task lists: %d %d, want 1 0", c1, c2)
	}
	f.getJSON("DELETE", "/api/tasks/task-1", a2, 404)
	f.getJSON("DELETE", "/api/tasks/task-1", a1, 204)
	f.getJSON("GET", "/api/tasks/task-1", a1, 404)
	// The deleted retry never took effect.
	f.clock.Advance(time.Minute)
	if job := f.getJSON("GET", "/api/agents/jobs/"+jobWinFailed+"?format=Entity", a1, 200); job["LastResult"] != "Failed" {
		t.Errorf("LastResult after deleted task = %v", job["LastResult"])
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	token := f.logon("viewer")
	tests := map[string]struct {
		query     string
		status    int
		wantNames []string
		paging    [3]float64 // PageNum, PageSize, PagesCount
	}{
		"failed jobs": {"type=AgentBackupJob&filter=LastResult==Failed", 200,
			[]string{"Windows Servers Backup", "Linux Web Servers", "Oracle Backup"}, [3]float64{1, 3, 1}},
		"and": {"type=AgentBackupJob&filter=Platform==AgentForLinux;LastResult==Failed", 200,
			[]string{"Linux Web Servers", "Oracle Backup"}, [3]float64{1, 2, 1}},
		"or with grouping and quotes": {`type=AgentBackupJob&filter=(Name=="SQL Servers Backup",Name=="Oracle Backup");ScheduleEnabled==false`, 200,
			[]string{"Oracle Backup"}, [3]float64{1, 1, 1}},
		"not equal and sort": {"type=agentbackupjob&filter=LastResult!=Failed&sortDesc=Name", 200,
			[]string{"Workstations Backup", "SQL Servers Backup", "Linux Database Servers"}, [3]float64{1, 3, 1}},
		"time comparison": {"type=AgentBackupJob&filter=LastRunUTC>=2026-11-22T22:00:00Z&sortAsc=LastRunUTC", 200,
			[]string{"Windows Servers Backup", "SQL Servers Backup"}, [3]float64{1, 2, 1}},
		"page 2 of 3": {"type=AgentBackupJob&sortAsc=Name&pageSize=2&page=2", 200,
			[]string{"Oracle Backup", "SQL Servers Backup"}, [3]float64{2, 2, 3}},
		"page past the end": {"type=AgentBackupJob&pageSize=4&page=3", 200, nil, [3]float64{3, 4, 2}},
		"unknown field":     {"type=AgentBackupJob&filter=Colour==Red", 400, nil, [3]float64{}},
		"bad syntax":        {"type=AgentBackupJob&filter=(Name==x", 400, nil, [3]float64{}},
		"unknown type":      {"type=Spaceship", 400, nil, [3]float64{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := f.getJSON("GET", "/api/query?"+strings.ReplaceAll(tc.query, " ", "%20"), token, tc.status)
			if tc.status != 200 {
				return
			}
			var names []string
			refs, _ := m["Refs"].([]any)
			for _, r := range refs {
				names = append(names, r.(map[string]any)["Name"].(string))
			}
			if diff := cmp.Diff(tc.wantNames, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			pi := m["PagingInfo"].(map[string]any)
			got := [3]float64{pi["PageNum"].(float64), pi["PageSize"].(float64), pi["PagesCount"].(float64)}
			if got != tc.paging {
				t.Errorf("paging = %v, want %v", got, tc.paging)
			}
		})
	}
}

func TestSnapshotRestoreKeepsTasksAndSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	token := f.logon("admin")
	f.getJSON("POST", "/api/agents/jobs/"+jobWinFailed+"?action=retry", token, 202)
	snap, err := f.api.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	g := newFixture(t, nil)
	g.clock.t = f.clock.Now()
	if err := g.api.Restore(snap); err != nil {
		t.Fatal(err)
	}
	g.clock.Advance(10 * time.Second)
	td := decodeTask(t, g.getJSON("GET", "/api/tasks/task-1", token, 200))
	if td.State != "Finished" || td.Result == nil || !td.Result.Success {
		t.Errorf("restored task = %+v", td)
	}
	if td := decodeTask(t, g.getJSON("POST", "/api/agents/jobs/"+jobOracle+"?action=retry", token, 202)); td.TaskId != "task-2" {
		t.Errorf("next task id %q", td.TaskId)
	}
}

func TestMutate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	token := f.logon("admin")
	if err := f.api.Mutate("agent_jobs", "SQL Servers Backup", map[string]any{"LastResult": "Failed", "ScheduleEnabled": false}, false); err != nil {
		t.Fatal(err)
	}
	if f.changed == 0 {
		t.Error("Changed not called")
	}
	job := f.getJSON("GET", "/api/agents/jobs/"+jobSQLSuccess+"?format=Entity", token, 200)
	if job["LastResult"] != "Failed" || job["ScheduleEnabled"] != false {
		t.Errorf("mutated job = %v", job)
	}
	f.getJSON("POST", "/api/agents/jobs/"+jobSQLSuccess+"?action=retry", token, 202)
	if err := f.api.Mutate("agent_jobs", "Oracle Backup", nil, true); err != nil {
		t.Fatal(err)
	}
	f.getJSON("GET", "/api/agents/jobs/"+jobOracle, token, 404)
	for _, tc := range []struct{ coll, name string }{{"agent_jobs", "missing"}, {"repositories", "x"}} {
		if err := f.api.Mutate(tc.coll, tc.name, map[string]any{}, false); err == nil {
			t.Errorf("Mutate(%s, %s) succeeded", tc.coll, tc.name)
		}
	}
	if err := f.api.Mutate("agent_jobs", "Workstations Backup", map[string]any{"Platform": "AgentForAmiga"}, false); err == nil {
		t.Error("Mutate accepted an unknown platform")
	}
}

func TestTemplate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	tpl := f.api.Handler().(simapi.RouteTemplater)
	tests := map[string]string{
		"/api/agents/jobs/" + jobWinFailed + "?action=retry": "/api/agents/jobs/{id}",
		"/api/tasks/task-3":          "/api/tasks/{id}",
		"/api/sessionMngr/?v=latest": "/api/sessionMngr/",
		"/api/nowhere":               "/api/nowhere",
	}
	for path, want := range tests {
		method := "GET"
		if strings.Contains(path, "action") || strings.Contains(path, "sessionMngr") {
			method = "POST"
		}
		r := httptest.NewRequest(method, path, nil)
		if got := tpl.Template(r); got != want {
			t.Errorf("Template(%s %s) = %q, want %q", method, path, got, want)
		}
	}
}

func TestSeedErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"duplicate name": `{"agent_jobs":[{"Id":"a","Name":"x"},{"Id":"b","Name":"X"}]}`,
		"no id":          `{"agent_jobs":[{"Name":"x"}]}`,
		"bad result":     `{"agent_jobs":[{"Id":"a","Name":"x","LastResult":"Meh"}]}`,
		"not json":       `[`,
	}
	for name, seed := range tests {
		if _, err := New(simapi.Env{}, json.RawMessage(seed)); err == nil {
			t.Errorf("%s: New accepted %s", name, seed)
		}
	}
}
