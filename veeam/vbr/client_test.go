package vbr_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// fakeClock is an instant clock: After advances time and fires at once.
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
	c.Advance(d)
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type fakeSession struct {
	name      string
	stopAfter int // polls until Stopped; -1 never
	result    string
	message   string
	logs      []veeam.Doc
	polls     int
}

// fakeVBR is a small VBR REST server in the go-github test style: it
// checks the protocol (x-api-version, bearer tokens, single-use refresh
// tokens) and records what it saw.
type fakeVBR struct {
	t          *testing.T
	version    string
	expiresIn  int
	mu         sync.Mutex
	repos      int
	listBody   *string // when set, the answer to every repository list
	access     map[string]bool
	refresh    map[string]bool
	grants     map[string]int
	hits       map[string]int
	sessions   map[string]*fakeSession
	nextID     int
	badHeaders []string
}

func newFakeVBR(t *testing.T) (*fakeVBR, *httptest.Server) {
	f := &fakeVBR{t: t, version: "1.3-rev0", expiresIn: 900, access: map[string]bool{}, refresh: map[string]bool{},
		grants: map[string]int{}, hits: map[string]int{}, sessions: map[string]*fakeSession{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func vbrError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"errorCode": code, "message": msg})
}

func (f *fakeVBR) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.access = map[string]bool{}
}

func (f *fakeVBR) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[key]
}

func (f *fakeVBR) grantCount(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.grants[kind]
}

func (f *fakeVBR) issue() map[string]any {
	f.nextID++
	a, r := fmt.Sprintf("access-%d", f.nextID), fmt.Sprintf("refresh-%d", f.nextID)
	f.access[a], f.refresh[r] = true, true
	return map[string]any{"access_token": a, "token_type": "bearer", "refresh_token": r, "expires_in": f.expiresIn}
}

func (f *fakeVBR) addSession(s *fakeSession) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	id := fmt.Sprintf("8c1e4a3e-7a63-4c8c-9a57-%012d", f.nextID)
	f.sessions[id] = s
	return id
}

func (f *fakeVBR) sessionModel(id string, s *fakeSession) map[string]any {
	m := map[string]any{"id": id, "name": s.name, "jobId": id, "sessionType": "Infrastructure", "state": "Working",
		"creationTime": "2026-11-23T10:00:00Z", "usn": 1, "progressPercent": min(100, s.polls*25),
		"result": map[string]any{"result": "None"}}
	if s.stopAfter >= 0 && s.polls >= s.stopAfter {
		m["state"] = "Stopped"
		m["progressPercent"] = 100
		m["result"] = map[string]any{"result": s.result, "message": s.message, "isCanceled": false}
	}
	return m
}

func (f *fakeVBR) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := r.Method + " " + veeam.PathTemplate(r.URL.Path)
	f.hits[key]++
	if got := r.Header.Get("x-api-version"); got != f.version {
		f.badHeaders = append(f.badHeaders, key+" x-api-version="+got)
		vbrError(w, 400, "NotImplemented", "The specified API version is not supported.")
		return
	}
	if r.URL.Path == "/api/oauth2/token" {
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			f.badHeaders = append(f.badHeaders, key+" Content-Type="+ct)
		}
		_ = r.ParseForm()
		grant := r.PostForm.Get("grant_type")
		f.grants[grant]++
		switch grant {
		case "password":
			if r.PostForm.Get("username") != "admin" || r.PostForm.Get("password") != "Passw0rd!" {
				vbrError(w, 401, "AccessDenied", "Invalid credentials")
				return
			}
		case "refresh_token":
			rt := r.PostForm.Get("refresh_token")
			if !f.refresh[rt] {
				vbrError(w, 400, "InvalidToken", "refresh token is invalid or already used")
				return
			}
			delete(f.refresh, rt) // single use
		default:
			vbrError(w, 400, "UnexpectedContent", "bad grant")
			return
		}
		writeJSON(w, 200, f.issue())
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !f.access[tok] {
		vbrError(w, 401, "AccessDenied", "Unauthorized. Get bearer JWT token at /api/login")
		return
	}
	switch {
	case key == "POST /api/oauth2/logout":
		delete(f.access, tok)
		writeJSON(w, 200, map[string]any{})
	case key == "GET /api/v1/serverInfo":
		writeJSON(w, 200, map[string]any{"vbrId": "x", "name": "vbr01", "buildVersion": "13.0.0.4967"})
	case key == "GET /api/v1/backupInfrastructure/repositories" && f.listBody != nil:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, *f.listBody)
	case key == "GET /api/v1/backupInfrastructure/repositories":
		skip, _ := strconv.Atoi(r.URL.Query().Get("skip"))
		limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
		if err != nil {
			limit = 200
		}
		var data []any
		for i := skip; i < min(skip+limit, f.repos); i++ {
			data = append(data, map[string]any{"id": fmt.Sprintf("repo-%04d", i), "name": fmt.Sprintf("repo %d", i), "type": "WinLocal"})
		}
		writeJSON(w, 200, map[string]any{"data": data, "pagination": map[string]any{"total": f.repos, "count": len(data), "skip": skip, "limit": limit}})
	case key == "POST /api/v1/backupInfrastructure/repositories":
		var spec map[string]any
		_ = json.NewDecoder(r.Body).Decode(&spec)
		if spec["name"] == "repo-ams" && f.repos > 0 {
			vbrError(w, 400, "UnexpectedContent", `Repository "repo-ams" already exists`)
			return
		}
		f.repos++
		f.nextID++
		id := fmt.Sprintf("8c1e4a3e-7a63-4c8c-9a57-%012d", f.nextID)
		s := &fakeSession{name: "Create repository", stopAfter: 2, result: "Success"}
		f.sessions[id] = s
		writeJSON(w, 201, f.sessionModel(id, s))
	case strings.HasPrefix(r.URL.Path, "/api/v1/sessions/"):
		rest := strings.TrimPrefix(r.URL.Path, "/api/v1/sessions/")
		id, sub, _ := strings.Cut(rest, "/")
		s := f.sessions[id]
		if s == nil {
			writeJSON(w, 404, map[string]any{"errorCode": "NotFound", "message": "Session not found", "resourceId": id})
			return
		}
		switch {
		case r.Method == "GET" && sub == "":
			s.polls++
			writeJSON(w, 200, f.sessionModel(id, s))
		case r.Method == "GET" && sub == "logs":
			recs := make([]any, len(s.logs))
			for i, l := range s.logs {
				recs[i] = l
			}
			writeJSON(w, 200, map[string]any{"totalRecords": len(recs), "records": recs})
		case r.Method == "POST" && sub == "stop":
			s.stopAfter, s.result, s.message = 0, "Failed", "Stopped by user"
			writeJSON(w, 200, map[string]any{})
		default:
			vbrError(w, 405, "MethodNotAllowed", "no")
		}
	default:
		vbrError(w, 404, "NotFound", "no route "+key)
	}
}

func newClient(t *testing.T, url string, mod func(*veeam.Config)) (*vbr.Client, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	cfg := veeam.Config{URL: url + "/api", Username: "admin", Password: "Passw0rd!", Clock: clock,
		Retry: veeam.RetryPolicy{BaseDelay: time.Millisecond}}
	if mod != nil {
		mod(&cfg)
	}
	c, err := vbr.New(cfg)
	if err != nil {
		t.Fatalf("vbr.New: %v", err)
	}
	return c, clock
}

func TestRequestShape(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVBR(t)
	f.version = "1.3-rev2"
	c, _ := newClient(t, srv.URL, func(cfg *veeam.Config) { cfg.APIVersion = "1.3-rev2" })
	ctx := context.Background()
	info, err := c.Get(ctx, "/api/v1/serverInfo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("vbr01", veeam.String(info, "name")); diff != "" {
		t.Errorf("serverInfo name (-want +got):\n%s", diff)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	want := map[string]int{"POST /api/oauth2/token": 1, "GET /api/v1/serverInfo": 1, "POST /api/oauth2/logout": 1}
	f.mu.Lock()
	defer f.mu.Unlock()
	if diff := cmp.Diff(want, f.hits); diff != "" {
		t.Errorf("server hits (-want +got):\n%s", diff)
	}
	if len(f.badHeaders) > 0 {
		t.Errorf("requests with bad headers: %v", f.badHeaders)
	}
	if len(f.access) != 0 {
		t.Errorf("tokens still valid after logout: %v", f.access)
	}
}

func TestListWalksEveryPage(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVBR(t)
	f.repos = 1000
	c, _ := newClient(t, srv.URL, func(cfg *veeam.Config) { cfg.PageSize = 50 })
	docs, err := c.List(context.Background(), "/api/v1/backupInfrastructure/repositories", map[string][]string{"typeFilter": {"WinLocal"}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, d := range docs {
		seen[veeam.String(d, "id")]++
	}
	dups := 0
	for _, n := range seen {
		if n != 1 {
			dups++
		}
	}
	if len(docs) != 1000 || len(seen) != 1000 || dups != 0 {
		t.Errorf("List() = %d docs, %d distinct, %d duplicated; want 1000, 1000, 0", len(docs), len(seen), dups)
	}
	if got := f.count("GET /api/v1/backupInfrastructure/repositories"); got != 20 {
		t.Errorf("page requests = %d, want 20", got)
	}
}

func TestConcurrentCallsShareOneLogin(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVBR(t)
	c, _ := newClient(t, srv.URL, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if _, err := c.Get(context.Background(), "/api/v1/serverInfo", nil); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := f.grantCount("password"); got != 1 {
		t.Errorf("password logins = %d, want 1", got)
	}
}

func TestTokenExpiryMidRunRefreshes(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVBR(t)
	f.expiresIn = 120
	c, clock := newClient(t, srv.URL, nil)
	ctx := context.Background()
	if _, err := c.Get(ctx, "/api/v1/serverInfo", nil); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 3; round++ {
		clock.Advance(110 * time.Second) // within the refresh window, before expiry
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := c.Get(ctx, "/api/v1/serverInfo", nil); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got := f.grantCount("refresh_token"); got != round {
			t.Errorf("round %d: refresh grants = %d, want %d (single-use tokens must not be spent twice)", round, got, round)
		}
	}
	if got := f.grantCount("password"); got != 1 {
		t.Errorf("password logins = %d, want 1", got)
	}
}

func Test401ReauthOnce(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVBR(t)
	c, _ := newClient(t, srv.URL, nil)
	ctx := context.Background()
	if _, err := c.Get(ctx, "/api/v1/serverInfo", nil); err != nil {
		t.Fatal(err)
	}
	f.revokeAll() // e.g. the server restarted
	resp, err := c.Post(ctx, "/api/v1/backupInfrastructure/repositories", nil, map[string]any{"name": "repo-ams", "description": "", "type": "WinLocal"})
	if err != nil {
		t.Fatalf("Post after revoke: %v", err)
	}
	if got := veeam.String(resp.Doc, "state"); resp.Status != 201 || got != "Working" {
		t.Errorf("Post() = %d state %q, want 201 Working", resp.Status, got)
	}
	if got := f.count("POST /api/v1/backupInfrastructure/repositories"); got != 2 {
		t.Errorf("POST hits = %d, want 2 (401, then the retry)", got)
	}
	if got := f.grantCount("password"); got != 2 {
		t.Errorf("password logins = %d, want 2", got)
	}
	// A second create of the same name is a plain API error, not retried.
	_, err = c.Post(ctx, "/api/v1/backupInfrastructure/repositories", nil, map[string]any{"name": "repo-ams"})
	var apiErr *veeam.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Code != "UnexpectedContent" {
		t.Fatalf("duplicate create error = %v, want 400 UnexpectedContent", err)
	}
	if diff := cmp.Diff(`vbr POST /api/v1/backupInfrastructure/repositories: 400 Bad Request: Repository "repo-ams" already exists`, err.Error()); diff != "" {
		t.Errorf("error text (-want +got):\n%s", diff)
	}
}

func TestBadPasswordFailsWithoutLeaking(t *testing.T) {
	t.Parallel()
	_, srv := newFakeVBR(t)
	c, _ := newClient(t, srv.URL, func(cfg *veeam.Config) { cfg.Password = "wrong-secret" })
	_, err := c.Get(context.Background(), "/api/v1/serverInfo", nil)
	if !veeam.IsStatus(err, 401) {
		t.Fatalf("Get() error = %v, want 401", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestAwaitSession(t *testing.T) {
	t.Parallel()
	failLogs := []veeam.Doc{
		{"id": 1, "status": "Succeeded", "title": "Validating repository path"},
		{"id": 2, "status": "Warning", "title": "Free space is low"},
		{"id": 3, "status": "Failed", "title": "Access denied to D:\\Backups"},
	}
	tests := map[string]struct {
		session      fakeSession
		opts         veeam.AwaitOptions
		wantErr      error
		wantAsync    *veeam.AsyncError
		wantProgress []string
	}{
		"succeeds": {
			session:      fakeSession{name: "Create repo-ams", stopAfter: 3, result: "Success"},
			wantProgress: []string{"Working 25", "Working 50", "Stopped 100"},
		},
		"warns (success by default)": {
			session:      fakeSession{name: "Create repo-ams", stopAfter: 1, result: "Warning", message: "low space"},
			wantProgress: []string{"Stopped 100"},
		},
		"warns as error": {
			session: fakeSession{name: "Create repo-ams", stopAfter: 1, result: "Warning", message: "low space", logs: failLogs},
			opts:    veeam.AwaitOptions{WarningIsError: true},
			wantAsync: &veeam.AsyncError{Kind: veeam.KindSession, Name: "Create repo-ams", Result: "Warning", Message: "low space",
				Log: []string{"Free space is low", `Access denied to D:\Backups`}},
			wantProgress: []string{"Stopped 100"},
		},
		"fails with log lines": {
			session: fakeSession{name: "Create repo-ams", stopAfter: 2, result: "Failed", message: "Failed to create repository", logs: failLogs},
			wantAsync: &veeam.AsyncError{Kind: veeam.KindSession, Name: "Create repo-ams", Result: "Failed", Message: "Failed to create repository",
				Log: []string{"Free space is low", `Access denied to D:\Backups`}},
			wantProgress: []string{"Working 25", "Stopped 100"},
		},
		"outlives its timeout": {
			session:      fakeSession{name: "Rescan", stopAfter: -1},
			opts:         veeam.AwaitOptions{Timeout: 3 * time.Second},
			wantErr:      veeam.ErrAwaitTimeout,
			wantProgress: []string{"Working 25", "Working 50", "Working 75", "Working 100"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, srv := newFakeVBR(t)
			s := tc.session
			id := f.addSession(&s)
			c, _ := newClient(t, srv.URL, nil)
			var progress []string
			tc.opts.OnProgress = func(p veeam.Progress) { progress = append(progress, p.State+" "+strconv.Itoa(p.Percent)) }
			tc.opts.PollMin, tc.opts.PollMax = time.Second, 2*time.Second
			doc, err := c.AwaitSession(context.Background(), id, tc.opts)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("AwaitSession() error = %v, want %v", err, tc.wantErr)
				}
			case tc.wantAsync != nil:
				var ae *veeam.AsyncError
				if !errors.As(err, &ae) {
					t.Fatalf("AwaitSession() error = %v, want *AsyncError", err)
				}
				tc.wantAsync.ID = id
				if diff := cmp.Diff(tc.wantAsync, ae); diff != "" {
					t.Errorf("AsyncError (-want +got):\n%s", diff)
				}
				if !strings.Contains(err.Error(), `Access denied to D:\Backups`) {
					t.Errorf("error text lacks the failed log line: %v", err)
				}
			default:
				if err != nil {
					t.Fatalf("AwaitSession() error = %v", err)
				}
				if got := veeam.String(doc, "state"); got != "Stopped" {
					t.Errorf("final state = %q, want Stopped", got)
				}
			}
			if diff := cmp.Diff(tc.wantProgress, progress); diff != "" {
				t.Errorf("progress (-want +got):\n%s", diff)
			}
			if tc.wantErr != nil {
				// The timeout did not stop the session on the server.
				if got := f.count("POST /api/v1/sessions/{id}/stop"); got != 0 {
					t.Errorf("stop calls = %d, want 0", got)
				}
			}
		})
	}
}

func TestStopSession(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVBR(t)
	id := f.addSession(&fakeSession{name: "Rescan", stopAfter: -1})
	c, _ := newClient(t, srv.URL, nil)
	ctx := context.Background()
	if err := c.StopSession(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err := c.AwaitSession(ctx, id, veeam.AwaitOptions{})
	var ae *veeam.AsyncError
	if !errors.As(err, &ae) || ae.Message != "Stopped by user" {
		t.Errorf("AwaitSession() after stop = %v, want AsyncError \"Stopped by user\"", err)
	}
	logs, err := c.SessionLogs(ctx, id)
	if err != nil || len(logs) != 0 {
		t.Errorf("SessionLogs() = %v, %v; want empty", logs, err)
	}
}

// TestMalformedListIsAnError: a 200 without the list envelope is an error
// naming the call, never an empty list (apply then created a duplicate).
func TestMalformedListIsAnError(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "{}", `{"data": null}`, `{"data": "x"}`, `{"data": [], "pagination": null}`, `{"data": [1], "pagination": {"total": 1}}`} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			f, srv := newFakeVBR(t)
			f.listBody = &body
			c, _ := newClient(t, srv.URL, nil)
			docs, err := c.List(context.Background(), "/api/v1/backupInfrastructure/repositories", nil)
			if !errors.Is(err, veeam.ErrMalformedList) || !strings.Contains(err.Error(), "list /api/v1/backupInfrastructure/repositories") {
				t.Errorf("List() = %d docs, %v; want ErrMalformedList naming the call", len(docs), err)
			}
		})
	}
}
