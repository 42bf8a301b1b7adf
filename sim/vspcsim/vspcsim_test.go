package vspcsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/sim/simapi"
)

const password = "Passw0rd!"

// Seeded agents (seed.yaml).
const (
	agentHealthy      = "304c08c2-0d13-4e9d-b26b-0bd5add83b3b" // ctso-dc01
	agentError        = "5a1e7b3f-2c44-4d8a-8e61-0f9b2d3c4a02" // ctso-sql01, Error
	agentInaccessible = "af6dc084-7b99-42df-9db6-5e4a7c8b9f07" // ctso-web02, Inaccessible
	requestID         = "0f8fad5b-d9cb-469f-a165-70867728950e"
)

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

type fixture struct {
	t      *testing.T
	api    simapi.API
	srv    *httptest.Server
	clock  *fakeClock
	mu     sync.Mutex
	faults map[string]simapi.SessionFault
}

func newFixture(t *testing.T, seed json.RawMessage, ttl time.Duration) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}, faults: map[string]simapi.SessionFault{}}
	env := simapi.Env{
		Clock:    f.clock,
		Duration: func() time.Duration { return 10 * time.Second },
		SessionFault: func(_, path string) simapi.SessionFault {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.faults[path]
		},
		Password: password,
		TokenTTL: ttl,
		BaseURL:  func() string { return "https://vspc.test:1280" },
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
	body   map[string]any
	raw    []byte
}

func (f *fixture) do(method, path, token string, hdr map[string]string, body string) resp {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Host = "vspc.test:1280" // the name the client addresses
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		f.t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, raw, err)
	}
	return r
}

func (f *fixture) expect(method, path, token string, hdr map[string]string, want int) resp {
	f.t.Helper()
	r := f.do(method, path, token, hdr, "")
	if r.status != want {
		f.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.raw)
	}
	return r
}

func form(v url.Values) (map[string]string, string) {
	return map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, v.Encode()
}

func (f *fixture) login(user string) (access, refresh string) {
	f.t.Helper()
	h, b := form(url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}})
	r := f.do("POST", "/api/v3/token", "", h, b)
	if r.status != 200 {
		f.t.Fatalf("login %s: %d %s", user, r.status, r.raw)
	}
	return r.body["access_token"].(string), r.body["refresh_token"].(string)
}

func (f *fixture) agent(token, uid string) map[string]any {
	f.t.Helper()
	return f.expect("GET", "/api/v3/infrastructure/backupAgents/"+uid, token, nil, 200).body["data"].(map[string]any)
}

func firstError(t *testing.T, r resp) map[string]any {
	t.Helper()
	if r.body["data"] != nil || r.body["meta"] != nil {
		t.Errorf("error body has data or meta: %s", r.raw)
	}
	errs, _ := r.body["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("errors = %s", r.raw)
	}
	return errs[0].(map[string]any)
}

func TestToken(t *testing.T) {
	t.Parallel()
	badLogin := map[string]any{"error": "invalid_request", "error_description": "Cannot complete login due to incorrect username or password, or no sufficient rights.", "error_uri": nil}
	tests := map[string]struct {
		form   url.Values
		status int
		want   map[string]any
	}{
		"password grant": {url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {password}}, 200, nil},
		"bad password":   {url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"x"}}, 400, badLogin},
		"unknown user":   {url.Values{"grant_type": {"password"}, "username": {"eve"}, "password": {password}}, 400, badLogin},
		"bad refresh": {url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}, 400,
			map[string]any{"error": "invalid_grant", "error_description": "The refresh token is invalid or expired.", "error_uri": nil}},
		"unsupported grant": {url.Values{"grant_type": {"magic"}}, 400,
			map[string]any{"error": "unsupported_grant_type", "error_description": `The grant type "magic" is not supported.`, "error_uri": nil}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil, 0)
			h, b := form(tc.form)
			r := f.do("POST", "/api/v3/token", "", h, b)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if tc.status != 200 {
				if diff := cmp.Diff(tc.want, r.body); diff != "" {
					t.Errorf("OAuth2Error (-want +got):\n%s", diff)
				}
				return
			}
			if r.body["token_type"] != "bearer" || r.body["expires_in"] != float64(3600) || r.body["access_token"] == "" {
				t.Errorf("OAuth2Result = %s", r.raw)
			}
		})
	}
}

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, 30*time.Minute)
	access, refresh := f.login("operator")
	f.expect("GET", "/api/v3/infrastructure/backupAgents", access, nil, 200)
	f.clock.Advance(30 * time.Minute)
	r := f.expect("GET", "/api/v3/infrastructure/backupAgents", access, nil, 401)
	if e := firstError(t, r); e["type"] != "security" || e["code"] != float64(401) {
		t.Errorf("401 error = %v", e)
	}
	f.expect("GET", "/api/v3/infrastructure/backupAgents", "", nil, 401)

	// Refresh gives a new pair; the refresh token is single-use.
	h, b := form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	r = f.do("POST", "/api/v3/token", "", h, b)
	if r.status != 200 || r.body["expires_in"] != float64(1800) {
		t.Fatalf("refresh: %d %s", r.status, r.raw)
	}
	access2 := r.body["access_token"].(string)
	if r2 := f.do("POST", "/api/v3/token", "", h, b); r2.status != 400 {
		t.Errorf("second use of a refresh token: %d", r2.status)
	}
	f.expect("GET", "/api/v3/infrastructure/backupAgents", access2, nil, 200)

	// Logout revokes every token of the user; only self or the admin may.
	viewer, _ := f.login("viewer")
	f.expect("DELETE", "/api/v3/users/"+users["operator"].uid+"/tokens", viewer, nil, 403)
	f.expect("DELETE", "/api/v3/users/"+users["operator"].uid+"/tokens", access2, nil, 200)
	f.expect("GET", "/api/v3/infrastructure/backupAgents", access2, nil, 401)
	f.expect("GET", "/api/v3/infrastructure/backupAgents", viewer, nil, 200)
}

func manyAgents(n int) json.RawMessage {
	var agents []map[string]any
	for i := range n {
		platform, mgmt, status := "Windows", "Healthy", "Active"
		if i%3 == 0 {
			platform = "Linux"
		}
		if i%10 == 0 {
			mgmt, status = "Error", "NotRunning"
		}
		agents = append(agents, map[string]any{
			"instanceUid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "name": fmt.Sprintf("host-%04d", i),
			"agentPlatform": platform, "managementAgentStatus": mgmt, "status": status, "totalJobsCount": i % 7,
		})
	}
	b, _ := json.Marshal(map[string]any{"backup_agents": agents})
	return b
}

func TestListPagingFilterSort(t *testing.T) {
	t.Parallel()
	f := newFixture(t, manyAgents(1000), 0)
	token, _ := f.login("viewer")
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "?" + v.Encode()
	}
	tests := map[string]struct {
		path      string
		status    int
		paging    [3]float64 // total, count, offset
		firstName string
		lastName  string
		param     string // parameterName of a 400
	}{
		"default page":    {"/api/v3/infrastructure/backupAgents", 200, [3]float64{1000, 100, 0}, "host-0000", "host-0099", ""},
		"max page":        {"/api/v3/infrastructure/backupAgents" + q("limit", "500", "offset", "500"), 200, [3]float64{1000, 500, 500}, "host-0500", "host-0999", ""},
		"last partial":    {"/api/v3/infrastructure/backupAgents" + q("limit", "300", "offset", "900"), 200, [3]float64{1000, 100, 900}, "host-0900", "host-0999", ""},
		"past the end":    {"/api/v3/infrastructure/backupAgents" + q("offset", "5000"), 200, [3]float64{1000, 0, 5000}, "", "", ""},
		"legacy $limit":   {"/api/v3/infrastructure/backupAgents" + q("$limit", "2", "$offset", "3"), 200, [3]float64{1000, 2, 3}, "host-0003", "host-0004", ""},
		"linux only":      {"/api/v3/infrastructure/backupAgents/linux" + q("limit", "500"), 200, [3]float64{334, 334, 0}, "host-0000", "host-0999", ""},
		"mac none":        {"/api/v3/infrastructure/backupAgents/mac", 200, [3]float64{0, 0, 0}, "", "", ""},
		"limit too big":   {"/api/v3/infrastructure/backupAgents" + q("limit", "501"), 400, [3]float64{}, "", "", "limit"},
		"limit zero":      {"/api/v3/infrastructure/backupAgents" + q("limit", "0"), 400, [3]float64{}, "", "", "limit"},
		"negative offset": {"/api/v3/infrastructure/backupAgents" + q("offset", "-1"), 400, [3]float64{}, "", "", "offset"},
		"unhealthy": {"/api/v3/infrastructure/backupAgents" + q("limit", "500", "filter",
			`[{"property":"managementAgentStatus","operation":"in","value":["Error","Inaccessible"]}]`), 200, [3]float64{100, 100, 0}, "host-0000", "host-0990", ""},
		"and of two": {"/api/v3/infrastructure/backupAgents" + q("filter",
			`[{"property":"agentPlatform","operation":"equals","value":"Linux"},{"property":"status","operation":"notEquals","value":"Active"}]`), 200, [3]float64{34, 34, 0}, "host-0000", "host-0990", ""},
		"ignorecase contains": {"/api/v3/infrastructure/backupAgents" + q("filter",
			`[{"property":"name","operation":"contains","value":"HOST-012","collation":"ignorecase"}]`), 200, [3]float64{10, 10, 0}, "host-0120", "host-0129", ""},
		"ordinal equals misses": {"/api/v3/infrastructure/backupAgents" + q("filter",
			`[{"property":"name","operation":"equals","value":"HOST-0001"}]`), 200, [3]float64{0, 0, 0}, "", "", ""},
		"numeric compare": {"/api/v3/infrastructure/backupAgents" + q("limit", "500", "filter",
			`[{"property":"totalJobsCount","operation":"greaterThan","value":5},{"property":"name","operation":"lessThan","value":"host-0100"}]`), 200, [3]float64{14, 14, 0}, "host-0006", "host-0097", ""},
		"or group": {"/api/v3/infrastructure/backupAgents" + q("filter",
			`[{"operation":"or","items":[{"property":"name","operation":"equals","value":"host-0002"},{"property":"name","operation":"equals","value":"host-0007"}]}]`), 200, [3]float64{2, 2, 0}, "host-0002", "host-0007", ""},
		"sort descending":   {"/api/v3/infrastructure/backupAgents" + q("limit", "2", "sort", `[{"property":"name","direction":"descending"}]`), 200, [3]float64{1000, 2, 0}, "host-0999", "host-0998", ""},
		"sort shorthand":    {"/api/v3/infrastructure/backupAgents" + q("limit", "3", "sort", `["-totalJobsCount","+name"]`), 200, [3]float64{1000, 3, 0}, "host-0006", "host-0020", ""},
		"unknown property":  {"/api/v3/infrastructure/backupAgents" + q("filter", `[{"property":"colour","operation":"equals","value":"red"}]`), 400, [3]float64{}, "", "", "filter"},
		"unknown operation": {"/api/v3/infrastructure/backupAgents" + q("filter", `[{"property":"name","operation":"resembles","value":"x"}]`), 400, [3]float64{}, "", "", "filter"},
		"filter not json":   {"/api/v3/infrastructure/backupAgents" + q("filter", `name eq x`), 400, [3]float64{}, "", "", "filter"},
		"bad sort":          {"/api/v3/infrastructure/backupAgents" + q("sort", `[{"property":"name","direction":"sideways"}]`), 400, [3]float64{}, "", "", "sort"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := f.expect("GET", tc.path, token, nil, tc.status)
			if tc.status != 200 {
				if e := firstError(t, r); e["parameterName"] != tc.param || e["code"] != float64(400) {
					t.Errorf("error = %v", e)
				}
				return
			}
			pi := r.body["meta"].(map[string]any)["pagingInfo"].(map[string]any)
			got := [3]float64{pi["total"].(float64), pi["count"].(float64), pi["offset"].(float64)}
			if got != tc.paging {
				t.Errorf("pagingInfo = %v, want %v", got, tc.paging)
			}
			items := r.body["data"].([]any)
			if len(items) != int(tc.paging[1]) {
				t.Fatalf("%d items, count %v", len(items), tc.paging[1])
			}
			if len(items) > 0 {
				firstName := items[0].(map[string]any)["name"]
				lastName := items[len(items)-1].(map[string]any)["name"]
				if firstName != tc.firstName || lastName != tc.lastName {
					t.Errorf("names %v..%v, want %s..%s", firstName, lastName, tc.firstName, tc.lastName)
				}
			}
			if r.body["errors"] != nil {
				t.Errorf("errors = %v", r.body["errors"])
			}
		})
	}
}

func TestGetAgent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, 0)
	token, _ := f.login("viewer")
	ag := f.agent(token, agentHealthy)
	want := map[string]any{"instanceUid": agentHealthy, "name": "ctso-dc01", "agentPlatform": "Windows", "status": "Active",
		"managementAgentStatus": "Healthy", "guiMode": "Full", "organizationUid": "7d3c1a52-93b8-4c0e-9f4e-2a6b8c1d5e01"}
	got := map[string]any{}
	for k := range want {
		got[k] = ag[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("agent (-want +got):\n%s", diff)
	}
	r := f.expect("GET", "/api/v3/infrastructure/backupAgents/11111111-1111-4111-8111-111111111111", token, nil, 404)
	if e := firstError(t, r); e["code"] != float64(404) {
		t.Errorf("404 error = %v", e)
	}
	all := f.expect("GET", "/api/v3/infrastructure/backupAgents", token, nil, 200)
	if n := len(all.body["data"].([]any)); n != 8 {
		t.Errorf("default seed has %d agents", n)
	}
}

func TestRestart(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		user     string
		uid      string
		fault    simapi.SessionFault
		status   int
		wantMgmt string // after the restart
		wantStat string
	}{
		"unhealthy agent recovers": {"admin", agentError, simapi.SessionFault{}, 200, "Healthy", "Active"},
		"inaccessible recovers":    {"admin", agentInaccessible, simapi.SessionFault{}, 200, "Healthy", "Active"},
		"fault keeps inaccessible": {"admin", agentInaccessible, simapi.SessionFault{Fail: true, Message: "agent unreachable"}, 200, "Inaccessible", "NotRunning"},
		"fault breaks healthy":     {"admin", agentHealthy, simapi.SessionFault{Fail: true}, 200, "Error", "NotRunning"},
		"operator is refused":      {"operator", agentError, simapi.SessionFault{}, 403, "Error", "NotRunning"},
		"viewer is refused":        {"viewer", agentError, simapi.SessionFault{}, 403, "Error", "NotRunning"},
		"unknown agent":            {"admin", "11111111-1111-4111-8111-111111111111", simapi.SessionFault{}, 404, "", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil, 0)
			path := "/api/v3/infrastructure/backupAgents/" + tc.uid + "/restart"
			f.faults[path] = tc.fault
			token, _ := f.login(tc.user)
			r := f.expect("POST", path, token, nil, tc.status)
			if tc.status == 403 {
				if e := firstError(t, r); e["type"] != "security" || e["code"] != float64(403) {
					t.Errorf("403 error = %v", e)
				}
			}
			if tc.status == 404 {
				return
			}
			if tc.status == 200 {
				if diff := cmp.Diff(map[string]any{"data": map[string]any{}, "meta": nil, "errors": nil}, r.body); diff != "" {
					t.Errorf("EmptyResponse (-want +got):\n%s", diff)
				}
				admin, _ := f.login("admin")
				for _, step := range []time.Duration{0, 9 * time.Second} {
					f.clock.Advance(step)
					ag := f.agent(admin, tc.uid)
					if ag["managementAgentStatus"] != "Restarting" || ag["status"] != "NotRunning" {
						t.Fatalf("after %v: %v/%v, want Restarting/NotRunning", step, ag["managementAgentStatus"], ag["status"])
					}
				}
				f.clock.Advance(time.Second)
			}
			ag := f.agent(token, tc.uid)
			if ag["managementAgentStatus"] != tc.wantMgmt || ag["status"] != tc.wantStat {
				t.Errorf("after restart: %v/%v, want %s/%s", ag["managementAgentStatus"], ag["status"], tc.wantMgmt, tc.wantStat)
			}
		})
	}
}

func TestAsyncRestart(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		fault      simapi.SessionFault
		wantStatus string
		resultCode int
		resultBody map[string]any
		wantMgmt   string
	}{
		"succeeds": {simapi.SessionFault{}, "succeed", 200,
			map[string]any{"data": map[string]any{}, "meta": nil, "errors": nil}, "Healthy"},
		"fails with 520": {simapi.SessionFault{Fail: true, Message: "Management agent did not respond."}, "failed", 520,
			map[string]any{"data": nil, "meta": nil, "errors": []any{map[string]any{"message": "Management agent did not respond.", "type": "retryableLogical", "code": float64(1001)}}}, "Error"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil, 0)
			path := "/api/v3/infrastructure/backupAgents/" + agentError + "/restart"
			f.faults[path] = tc.fault
			token, _ := f.login("admin")
			hdr := map[string]string{"X-Request-id": requestID}
			r := f.expect("POST", path, token, hdr, 202)
			loc := "https://vspc.test:1280/api/v3/asyncActions/" + requestID
			if got := r.header.Get("Location"); got != loc {
				t.Errorf("Location = %q, want %q", got, loc)
			}
			info := map[string]any{"id": requestID, "initiatorUid": users["admin"].uid, "actionName": "RestartBackupAgent",
				"status": "running", "queryParameters": map[string]any{}, "requestBody": nil}
			if diff := cmp.Diff(info, r.body["data"]); diff != "" {
				t.Errorf("202 AsyncActionInfo (-want +got):\n%s", diff)
			}
			// Listed among the user's active actions; others cannot see it.
			if l := f.expect("GET", "/api/v3/asyncActions", token, nil, 200).body["data"].([]any); len(l) != 1 {
				t.Errorf("active actions = %v", l)
			}
			other, _ := f.login("operator")
			f.expect("GET", "/api/v3/asyncActions/"+requestID, other, nil, 404)
			f.expect("GET", "/api/v3/asyncActions/"+requestID+"/result", token, nil, 202)

			// A replay within 5 minutes returns the same action and restarts nothing again.
			f.clock.Advance(4 * time.Second)
			r2 := f.expect("POST", path, token, hdr, 202)
			if diff := cmp.Diff(r.body, r2.body); diff != "" || r2.header.Get("Location") != loc {
				t.Errorf("replay differs (-first +replay):\n%s", diff)
			}
			f.clock.Advance(6 * time.Second)
			got := f.expect("GET", "/api/v3/asyncActions/"+requestID, token, nil, 200).body["data"].(map[string]any)
			if got["status"] != tc.wantStatus {
				t.Errorf("status = %v, want %s", got["status"], tc.wantStatus)
			}
			res := f.expect("GET", "/api/v3/asyncActions/"+requestID+"/result", token, nil, tc.resultCode)
			if diff := cmp.Diff(tc.resultBody, res.body); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if ag := f.agent(token, agentError); ag["managementAgentStatus"] != tc.wantMgmt {
				t.Errorf("agent = %v", ag["managementAgentStatus"])
			}
			// Replays after completion (still inside 5 minutes) do not restart again.
			f.clock.Advance(time.Minute)
			f.expect("POST", path, token, hdr, 202)
			if ag := f.agent(token, agentError); ag["managementAgentStatus"] != tc.wantMgmt {
				t.Errorf("replay restarted the agent: %v", ag["managementAgentStatus"])
			}
			// After 5 minutes the id starts a new action.
			f.clock.Advance(5 * time.Minute)
			f.expect("POST", path, token, hdr, 202)
			if ag := f.agent(token, agentError); ag["managementAgentStatus"] != "Restarting" {
				t.Errorf("new action did not restart: %v", ag["managementAgentStatus"])
			}
			// Clearing the result.
			f.clock.Advance(10 * time.Second)
			f.expect("DELETE", "/api/v3/asyncActions/"+requestID+"/result", token, nil, 200)
			f.expect("GET", "/api/v3/asyncActions/"+requestID+"/result", token, nil, 404)
		})
	}
}

func TestAsyncCancelAndGet(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, 0)
	token, _ := f.login("admin")
	path := "/api/v3/infrastructure/backupAgents/" + agentInaccessible + "/restart"
	f.expect("POST", path, token, map[string]string{"X-Request-id": requestID}, 202)
	f.expect("DELETE", "/api/v3/asyncActions/"+requestID, token, nil, 200)
	if st := f.expect("GET", "/api/v3/asyncActions/"+requestID, token, nil, 200).body["data"].(map[string]any)["status"]; st != "canceled" {
		t.Errorf("status = %v", st)
	}
	if ag := f.agent(token, agentInaccessible); ag["managementAgentStatus"] != "Inaccessible" {
		t.Errorf("canceled restart left %v", ag["managementAgentStatus"])
	}
	f.clock.Advance(time.Minute)
	if ag := f.agent(token, agentInaccessible); ag["managementAgentStatus"] != "Inaccessible" {
		t.Errorf("canceled restart still ran: %v", ag["managementAgentStatus"])
	}

	// A tracked GET finishes at once; its result is the list.
	id := "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	r := f.expect("GET", "/api/v3/infrastructure/backupAgents?limit=2", token, map[string]string{"X-Request-id": id}, 202)
	if r.body["data"].(map[string]any)["status"] != "succeed" || r.body["data"].(map[string]any)["queryParameters"].(map[string]any)["limit"] != "2" {
		t.Errorf("tracked GET = %s", r.raw)
	}
	res := f.expect("GET", "/api/v3/asyncActions/"+id+"/result", token, nil, 200)
	if n := len(res.body["data"].([]any)); n != 2 {
		t.Errorf("result has %d agents", n)
	}
	f.expect("GET", "/api/v3/infrastructure/backupAgents", token, map[string]string{"X-Request-id": "not-a-uuid"}, 400)
	cfg := f.expect("GET", "/api/v3/asyncActions/config", token, nil, 200)
	if cfg.body["data"].(map[string]any)["resultRetentionTime"] != float64(300) {
		t.Errorf("config = %s", cfg.raw)
	}
	// Succeeded results expire after 5 minutes.
	f.clock.Advance(5 * time.Minute)
	f.expect("GET", "/api/v3/asyncActions/"+id, token, nil, 404)
}

func TestWriteErrorIs520(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, 0)
	ew, ok := f.api.Handler().(interface {
		WriteError(http.ResponseWriter, *http.Request, int, string)
	})
	if !ok {
		t.Fatal("handler has no WriteError")
	}
	tests := map[string]struct {
		status, wantStatus int
	}{
		"500 becomes 520": {500, 520},
		"503 becomes 520": {503, 520},
		"429 stays":       {429, 429},
	}
	for name, tc := range tests {
		rec := httptest.NewRecorder()
		ew.WriteError(rec, httptest.NewRequest("GET", "/api/v3/infrastructure/backupAgents", nil), tc.status, "injected")
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"data": nil, "meta": nil, "errors": []any{map[string]any{"message": "injected", "type": "unspecified", "code": float64(tc.status)}}}
		if rec.Code != tc.wantStatus || !cmp.Equal(want, body) {
			t.Errorf("%s: %d %v", name, rec.Code, cmp.Diff(want, body))
		}
	}
}

func TestSnapshotRestoreAndMutate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, 0)
	token, _ := f.login("admin")
	f.expect("POST", "/api/v3/infrastructure/backupAgents/"+agentError+"/restart", token, map[string]string{"X-Request-id": requestID}, 202)
	snap, err := f.api.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	g := newFixture(t, nil, 0)
	if err := g.api.Restore(snap); err != nil {
		t.Fatal(err)
	}
	g.clock.Advance(10 * time.Second)
	// The token, the pending restart and the action survived.
	if ag := g.agent(token, agentError); ag["managementAgentStatus"] != "Healthy" {
		t.Errorf("restored restart: %v", ag["managementAgentStatus"])
	}
	if st := g.expect("GET", "/api/v3/asyncActions/"+requestID, token, nil, 200).body["data"].(map[string]any)["status"]; st != "succeed" {
		t.Errorf("restored action: %v", st)
	}

	if err := g.api.Mutate("backup_agents", "ctso-dc01", map[string]any{"managementAgentStatus": "Inaccessible", "status": "NotRunning"}, false); err != nil {
		t.Fatal(err)
	}
	if ag := g.agent(token, agentHealthy); ag["managementAgentStatus"] != "Inaccessible" {
		t.Errorf("mutated: %v", ag["managementAgentStatus"])
	}
	if err := g.api.Mutate("backup_agents", agentHealthy, nil, true); err != nil {
		t.Fatal(err)
	}
	g.expect("GET", "/api/v3/infrastructure/backupAgents/"+agentHealthy, token, nil, 404)
	for name, tc := range map[string]struct {
		coll, name string
		merge      map[string]any
	}{
		"unknown collection": {"agents", "ctso-fs01", nil},
		"unknown agent":      {"backup_agents", "nope", nil},
		"bad enum":           {"backup_agents", "ctso-fs01", map[string]any{"status": "Dancing"}},
		"duplicate uid":      {"backup_agents", "ctso-fs01", map[string]any{"instanceUid": agentError}},
	} {
		if err := g.api.Mutate(tc.coll, tc.name, tc.merge, false); err == nil {
			t.Errorf("%s: Mutate succeeded", name)
		}
	}
}

func TestTemplate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, 0)
	tpl := f.api.Handler().(simapi.RouteTemplater)
	tests := map[string]string{
		"POST /api/v3/infrastructure/backupAgents/" + agentError + "/restart": "/api/v3/infrastructure/backupAgents/{backupAgentUid}/restart",
		"GET /api/v3/infrastructure/backupAgents/windows":                     "/api/v3/infrastructure/backupAgents/windows",
		"GET /api/v3/asyncActions/" + requestID + "/result":                   "/api/v3/asyncActions/{actionId}/result",
		"GET /api/v3/nowhere": "/api/v3/nowhere",
	}
	for in, want := range tests {
		method, path, _ := strings.Cut(in, " ")
		if got := tpl.Template(httptest.NewRequest(method, path, nil)); got != want {
			t.Errorf("Template(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestSeedErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"duplicate uid": `{"backup_agents":[{"instanceUid":"a","name":"x"},{"instanceUid":"A","name":"y"}]}`,
		"no name":       `{"backup_agents":[{"instanceUid":"a"}]}`,
		"bad enum":      `{"backup_agents":[{"instanceUid":"a","name":"x","agentPlatform":"Amiga"}]}`,
		"not json":      `{`,
	}
	for name, seed := range tests {
		if _, err := New(simapi.Env{}, json.RawMessage(seed)); err == nil {
			t.Errorf("%s: New accepted %s", name, seed)
		}
	}
}
