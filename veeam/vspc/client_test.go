package vspc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vspc"
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

type fakeAction struct {
	polls, doneAt int
	status        string
}

// fakeVSPC is a small VSPC v3 server: password/refresh grants, the
// envelope, offset/limit paging, 520 errors, X-Request-id and async
// actions behind 202 + Location.
type fakeVSPC struct {
	mu         sync.Mutex
	base       string
	agents     int
	tokens     map[string]bool
	grants     map[string]int
	hits       map[string]int
	requestIDs []string
	actions    map[string]*fakeAction
	fail520    int     // answer this many GETs with 520 retryableLogical
	listBody   *string // when set, the answer to every backup agent list
	revoked    []string
	next       int
}

func newFakeVSPC(t *testing.T) (*fakeVSPC, *httptest.Server) {
	f := &fakeVSPC{tokens: map[string]bool{}, grants: map[string]int{}, hits: map[string]int{}, actions: map[string]*fakeAction{}}
	srv := httptest.NewServer(f)
	f.base = srv.URL
	t.Cleanup(srv.Close)
	return f, srv
}

func envelope(w http.ResponseWriter, status int, data any, meta any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "meta": meta, "errors": nil})
}

func vspcError(w http.ResponseWriter, status int, typ string, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"message": msg, "type": typ, "code": code}}})
}

const agentUID = "304c08c2-0d13-4e9d-b26b-0bd5add83b3b"

func (f *fakeVSPC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := r.Method + " " + veeam.PathTemplate(r.URL.Path)
	f.hits[key]++
	if key == "POST /api/v3/token" {
		_ = r.ParseForm()
		g := r.PostForm.Get("grant_type")
		f.grants[g]++
		if g == "password" && (r.PostForm.Get("username") != "admin" || r.PostForm.Get("password") != "Passw0rd!") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_request","error_description":"Cannot complete login due to incorrect username or password, or no sufficient rights.","error_uri":null}`)
			return
		}
		f.next++
		tok := fmt.Sprintf("tok-%d", f.next)
		f.tokens[tok] = true
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "refresh_token": "r" + tok, "expires_in": 3600})
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !f.tokens[tok] {
		vspcError(w, 401, "security", 401, "Unauthorized")
		return
	}
	if rid := r.Header.Get("X-Request-id"); rid != "" {
		f.requestIDs = append(f.requestIDs, rid)
	}
	switch {
	case key == "GET /api/v3/infrastructure/backupAgents" && f.listBody != nil:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, *f.listBody)
	case key == "GET /api/v3/infrastructure/backupAgents":
		if f.fail520 > 0 {
			f.fail520--
			vspcError(w, 520, "retryableLogical", 1210, "Database is busy.\r\nTry again.")
			return
		}
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		lim, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		var data []any
		for i := off; i < min(off+lim, f.agents); i++ {
			data = append(data, map[string]any{"instanceUid": fmt.Sprintf("agent-%04d", i), "name": fmt.Sprintf("host%d", i)})
		}
		// The overview example says skip, not offset: tolerated.
		envelope(w, 200, data, map[string]any{"pagingInfo": map[string]any{"total": f.agents, "count": len(data), "skip": off}})
	case key == "POST /api/v3/infrastructure/backupAgents/{id}/restart":
		if f.fail520 > 0 {
			f.fail520--
			vspcError(w, 520, "retryableLogical", 1210, "Database is busy.")
			return
		}
		id := r.Header.Get("X-Request-id")
		f.actions[id] = &fakeAction{doneAt: 2, status: "succeed"}
		w.Header().Set("Location", f.base+"/api/v3/asyncActions/"+id)
		envelope(w, 202, map[string]any{}, nil)
	case key == "GET /api/v3/asyncActions/{id}":
		a := f.actions[strings.TrimPrefix(r.URL.Path, "/api/v3/asyncActions/")]
		if a == nil {
			vspcError(w, 404, "logical", 404, "Action not found.")
			return
		}
		a.polls++
		st := "running"
		if a.polls >= a.doneAt {
			st = a.status
		}
		envelope(w, 200, map[string]any{"id": "x", "actionName": "RestartBackupAgent", "status": st}, nil)
	case key == "GET /api/v3/asyncActions/{id}/result":
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v3/asyncActions/"), "/result")
		if f.actions[id].status == "failed" {
			vspcError(w, 520, "logical", 1001, "Agent is not reachable.")
			return
		}
		envelope(w, 200, map[string]any{}, nil)
	case key == "GET /api/v3/users/me":
		envelope(w, 200, map[string]any{"instanceUid": "7d0e6c1a-8f4b-4e6a-9a3c-1b2c3d4e5f60", "userName": "admin"}, nil)
	case key == "DELETE /api/v3/users/{id}/tokens":
		f.revoked = append(f.revoked, r.URL.Path)
		f.tokens = map[string]bool{}
		envelope(w, 200, true, nil)
	default:
		vspcError(w, 404, "logical", 404, "no route "+key)
	}
}

func newClient(t *testing.T, url string, mod func(*veeam.Config)) *vspc.Client {
	t.Helper()
	cfg := veeam.Config{URL: url + "/api/v3", Username: "admin", Password: "Passw0rd!",
		Clock: &fakeClock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}, Retry: veeam.RetryPolicy{BaseDelay: time.Millisecond}}
	if mod != nil {
		mod(&cfg)
	}
	c, err := vspc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestListPagesAndRetries520(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVSPC(t)
	f.agents = 1000
	f.fail520 = 2
	c := newClient(t, srv.URL, func(cfg *veeam.Config) { cfg.PageSize = 50 })
	docs, err := c.List(context.Background(), "/api/v3/infrastructure/backupAgents", nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range docs {
		seen[veeam.String(d, "instanceUid")] = true
	}
	if len(docs) != 1000 || len(seen) != 1000 {
		t.Errorf("List() = %d docs, %d distinct; want 1000 each", len(docs), len(seen))
	}
	if got := f.hits["GET /api/v3/infrastructure/backupAgents"]; got != 22 {
		t.Errorf("GETs = %d, want 22 (20 pages + 2 retried 520s)", got)
	}
}

func TestPostWithRequestIDAndAwait(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVSPC(t)
	c := newClient(t, srv.URL, nil)
	ctx := context.Background()
	p := "/api/v3/infrastructure/backupAgents/" + agentUID + "/restart"
	resp, err := c.Post(ctx, p, nil, nil, "2d7f4e0e-1111-4b2b-8c3c-000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 202 || resp.Location != srv.URL+"/api/v3/asyncActions/2d7f4e0e-1111-4b2b-8c3c-000000000001" {
		t.Fatalf("Post() = %d Location %q, want 202 and the action", resp.Status, resp.Location)
	}
	var states []string
	out, err := c.AwaitAction(ctx, vspc.ActionID(resp.Location), veeam.AwaitOptions{OnProgress: func(p veeam.Progress) { states = append(states, p.State) }})
	if err != nil {
		t.Fatal(err)
	}
	if out == nil {
		t.Error("AwaitAction() = nil doc, want the result data")
	}
	if diff := cmp.Diff([]string{"running", "succeed"}, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	// An empty requestID gets a generated uuid.
	if _, err := c.Post(ctx, p, nil, nil, ""); err != nil {
		t.Fatal(err)
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if len(f.requestIDs) != 2 || f.requestIDs[0] != "2d7f4e0e-1111-4b2b-8c3c-000000000001" || !uuid.MatchString(f.requestIDs[1]) {
		t.Errorf("X-Request-id values = %v, want the given id then a generated uuid", f.requestIDs)
	}
}

func TestActionFailure(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVSPC(t)
	f.actions["9b2e8f3a-0c51-4b79-a0b5-6f0b1b8c2e9a"] = &fakeAction{doneAt: 1, status: "failed"}
	c := newClient(t, srv.URL, nil)
	_, err := c.AwaitAction(context.Background(), "9b2e8f3a-0c51-4b79-a0b5-6f0b1b8c2e9a", veeam.AwaitOptions{})
	var ae *veeam.AsyncError
	if !errors.As(err, &ae) || ae.Result != "failed" || ae.Message != "Agent is not reachable." {
		t.Errorf("AwaitAction() error = %v, want AsyncError failed with the server message", err)
	}
}

func TestPost520IsNotRetried(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVSPC(t)
	f.fail520 = 1
	c := newClient(t, srv.URL, nil)
	_, err := c.Post(context.Background(), "/api/v3/infrastructure/backupAgents/"+agentUID+"/restart", nil, nil, "")
	var apiErr *veeam.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 520 || apiErr.Code != "retryableLogical 1210" || apiErr.RequestID == "" {
		t.Fatalf("Post() error = %#v, want 520 retryableLogical with the request id", err)
	}
	if got := f.hits["POST /api/v3/infrastructure/backupAgents/{id}/restart"]; got != 1 {
		t.Errorf("POSTs = %d, want 1", got)
	}
	if !strings.Contains(err.Error(), "520 Unknown Error: Database is busy.") {
		t.Errorf("error text = %q", err)
	}
}

func TestLoginErrorAndReauth(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVSPC(t)
	bad := newClient(t, srv.URL, func(cfg *veeam.Config) { cfg.Password = "wrong" })
	_, err := bad.Get(context.Background(), "/api/v3/users/me", nil)
	var apiErr *veeam.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Code != "invalid_request" || !strings.Contains(apiErr.Message, "incorrect username or password") {
		t.Fatalf("login error = %v, want 400 invalid_request with the server message", err)
	}
	c := newClient(t, srv.URL, nil)
	ctx := context.Background()
	if _, err := c.Get(ctx, "/api/v3/users/me", nil); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.tokens = map[string]bool{}
	f.mu.Unlock()
	me, err := c.Get(ctx, "/api/v3/users/me", nil)
	if err != nil || veeam.String(me, "userName") != "admin" {
		t.Fatalf("Get after revoke = %v, %v", me, err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(f.revoked) != 0 { // revoking would log out every session of the account
		t.Errorf("Close revoked tokens %v, want none", f.revoked)
	}
	if got := f.grants["password"]; got != 3 { // bad + first + re-auth
		t.Errorf("password grants = %d, want 3", got)
	}
}

// TestMalformedListIsAnError: a 200 without the VSPC envelope is an error
// naming the call, never an empty list.
func TestMalformedListIsAnError(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "{}", `{"data": null}`, `{"data": "x"}`, `{"data": [], "meta": {}}`} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			f, srv := newFakeVSPC(t)
			f.listBody = &body
			c := newClient(t, srv.URL, nil)
			docs, err := c.List(context.Background(), "/api/v3/infrastructure/backupAgents", nil)
			if !errors.Is(err, veeam.ErrMalformedList) || !strings.Contains(err.Error(), "list /api/v3/infrastructure/backupAgents") {
				t.Errorf("List() = %d docs, %v; want ErrMalformedList naming the call", len(docs), err)
			}
		})
	}
}
