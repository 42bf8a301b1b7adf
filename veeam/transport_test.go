package veeam

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// step is one scripted answer of a test server.
type step struct {
	status     int
	retryAfter string
}

// scripted serves the steps in order, then 200 {"ok":true}, counting hits.
func scripted(t *testing.T, steps []step) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(hits.Add(1))
		if n <= len(steps) {
			s := steps[n-1]
			if s.retryAfter != "" {
				w.Header().Set("Retry-After", s.retryAfter)
			}
			w.WriteHeader(s.status)
			fmt.Fprintf(w, `{"errorCode":"X","message":"step %d"}`, n)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func testParseError(_ int, _ http.Header, body []byte) (string, string) {
	d, _ := DecodeDoc(body)
	return String(d, "errorCode"), String(d, "message")
}

func newTestTransport(t *testing.T, url string, clock Clock, mod func(*Config)) *Transport {
	t.Helper()
	cfg := Config{URL: url, Clock: clock, Retry: RetryPolicy{BaseDelay: 10 * time.Millisecond, MaxDelay: 40 * time.Millisecond}}
	if mod != nil {
		mod(&cfg)
	}
	tr, err := NewTransport(VBR, cfg, Hooks{ParseError: testParseError})
	if err != nil {
		t.Fatalf("NewTransport: %v", err)
	}
	return tr
}

func TestSendRetries(t *testing.T) {
	t.Parallel()
	clock0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		method    string
		steps     []step
		wantHits  int32
		wantErr   error // sentinel, or nil
		wantAPI   int   // status of the *APIError, 0 for success
		wantWaits []time.Duration
	}{
		"GET 503 with Retry-After seconds": {
			method: "GET", steps: []step{{503, "2"}}, wantHits: 2, wantWaits: []time.Duration{2 * time.Second},
		},
		"GET 429 with Retry-After date": {
			method: "GET", steps: []step{{429, clock0.Add(3 * time.Second).Format(http.TimeFormat)}}, wantHits: 2,
			wantWaits: []time.Duration{3 * time.Second},
		},
		"GET 502 then 504 then 200": {method: "GET", steps: []step{{502, ""}, {504, ""}}, wantHits: 3},
		"PUT 503 is retried":        {method: "PUT", steps: []step{{503, ""}}, wantHits: 2},
		"DELETE 429 is retried":     {method: "DELETE", steps: []step{{429, "1"}}, wantHits: 2, wantWaits: []time.Duration{time.Second}},
		"GET 500 is not retried":    {method: "GET", steps: []step{{500, ""}}, wantHits: 1, wantAPI: 500},
		"GET 404 is not retried":    {method: "GET", steps: []step{{404, ""}}, wantHits: 1, wantAPI: 404},
		"GET 503 forever stops at MaxAttempts": {
			method: "GET", steps: []step{{503, ""}, {503, ""}, {503, ""}, {503, ""}, {503, ""}, {503, ""}}, wantHits: 5, wantAPI: 503,
		},
		"GET Retry-After beyond MaxElapsed stops": {
			method: "GET", steps: []step{{503, "120"}}, wantHits: 1, wantAPI: 503, wantWaits: []time.Duration{},
		},
		"POST 503 with Retry-After was refused, so retried": {
			method: "POST", steps: []step{{503, "1"}}, wantHits: 2, wantWaits: []time.Duration{time.Second},
		},
		"POST 429 with Retry-After was refused, so retried": {
			method: "POST", steps: []step{{429, "1"}}, wantHits: 2, wantWaits: []time.Duration{time.Second},
		},
		"POST 503 without Retry-After is not retried": {method: "POST", steps: []step{{503, ""}}, wantHits: 1, wantAPI: 503},
		"POST 502 is uncertain":                       {method: "POST", steps: []step{{502, ""}}, wantHits: 1, wantAPI: 502, wantErr: ErrUncertain},
		"POST 504 is uncertain":                       {method: "POST", steps: []step{{504, ""}}, wantHits: 1, wantAPI: 504, wantErr: ErrUncertain},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, hits := scripted(t, tc.steps)
			clock := newFakeClock()
			tr := newTestTransport(t, srv.URL, clock, nil)
			resp, err := tr.Send(context.Background(), &Request{Method: tc.method, Path: "/api/v1/thing"})
			if got := hits.Load(); got != tc.wantHits {
				t.Errorf("server hits = %d, want %d", got, tc.wantHits)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("Send() error = %v, want errors.Is %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && errors.Is(err, ErrUncertain) {
				t.Errorf("Send() error = %v, want no ErrUncertain", err)
			}
			var apiErr *APIError
			switch {
			case tc.wantAPI == 0 && err != nil:
				t.Fatalf("Send() error = %v, want success", err)
			case tc.wantAPI == 0 && resp.Status != 200:
				t.Errorf("status = %d, want 200", resp.Status)
			case tc.wantAPI != 0 && !errors.As(err, &apiErr):
				t.Fatalf("Send() error = %v, want *APIError", err)
			case tc.wantAPI != 0 && apiErr.Status != tc.wantAPI:
				t.Errorf("APIError.Status = %d, want %d", apiErr.Status, tc.wantAPI)
			}
			if tc.wantWaits != nil {
				if diff := cmp.Diff(tc.wantWaits, clock.Waits(), cmp.Comparer(func(a, b []time.Duration) bool {
					return len(a) == len(b) && (len(a) == 0 || fmt.Sprint(a) == fmt.Sprint(b))
				})); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestBackoffIsJitteredExponential(t *testing.T) {
	t.Parallel()
	tr := newTestTransport(t, "https://127.0.0.1:1", newFakeClock(), func(c *Config) {
		c.Retry = RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: 400 * time.Millisecond}
	})
	for attempt, full := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 6: 400 * time.Millisecond} {
		for range 50 {
			d := tr.backoff(attempt)
			if d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", attempt, d, full/2, full)
			}
		}
	}
}

// blocking never answers before the test ends (bounded by 5s), counting hits.
func blocking(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return srv, &hits
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		method    string
		wantHits  int32
		uncertain bool
	}{
		"POST that times out is not repeated": {method: "POST", wantHits: 1, uncertain: true},
		"GET that times out is retried":       {method: "GET", wantHits: 3},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, hits := blocking(t)
			tr := newTestTransport(t, srv.URL, newFakeClock(), func(c *Config) {
				c.Timeout = 150 * time.Millisecond
				c.Retry.MaxAttempts = 3
			})
			_, err := tr.Send(context.Background(), &Request{Method: tc.method, Path: "/api/v1/backupInfrastructure/repositories", Body: []byte(`{}`)})
			if err == nil {
				t.Fatal("Send() succeeded, want a timeout error")
			}
			if got := errors.Is(err, ErrUncertain); got != tc.uncertain {
				t.Errorf("errors.Is(%v, ErrUncertain) = %v, want %v", err, got, tc.uncertain)
			}
			// The handler counts a request when it runs, which on a busy
			// machine may be after the client gave up on it.
			if got := awaitHits(hits, tc.wantHits); got != tc.wantHits {
				t.Errorf("server hits = %d, want %d", got, tc.wantHits)
			}
		})
	}
}

// awaitHits returns hits once it reaches want, or what it is after 2 s.
func awaitHits(hits *atomic.Int32, want int32) int32 {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Second)
	for {
		if got := hits.Load(); got >= want {
			return got
		}
		select {
		case <-tick.C:
		case <-deadline:
			return hits.Load()
		}
	}
}

// resetting drops the connection without answering the first fails hits.
func resetting(t *testing.T, fails int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= fails {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestConnectionReset(t *testing.T) {
	t.Parallel()
	t.Run("GET is retried", func(t *testing.T) {
		t.Parallel()
		srv, hits := resetting(t, 2)
		tr := newTestTransport(t, srv.URL, newFakeClock(), nil)
		if _, err := tr.Send(context.Background(), &Request{Method: "GET", Path: "/x"}); err != nil {
			t.Fatalf("Send() error = %v", err)
		}
		if got := hits.Load(); got != 3 {
			t.Errorf("server hits = %d, want 3", got)
		}
	})
	t.Run("POST is uncertain", func(t *testing.T) {
		t.Parallel()
		srv, hits := resetting(t, 2)
		tr := newTestTransport(t, srv.URL, newFakeClock(), nil)
		_, err := tr.Send(context.Background(), &Request{Method: "POST", Path: "/x", Body: []byte("{}")})
		if !errors.Is(err, ErrUncertain) {
			t.Errorf("Send() error = %v, want ErrUncertain", err)
		}
		if got := hits.Load(); got != 1 {
			t.Errorf("server hits = %d, want 1", got)
		}
	})
	t.Run("POST marked Safe (token call) is retried", func(t *testing.T) {
		t.Parallel()
		srv, hits := resetting(t, 1)
		tr := newTestTransport(t, srv.URL, newFakeClock(), nil)
		if _, err := tr.Send(context.Background(), &Request{Method: "POST", Path: "/api/oauth2/token", Safe: true}); err != nil {
			t.Fatalf("Send() error = %v", err)
		}
		if got := hits.Load(); got != 2 {
			t.Errorf("server hits = %d, want 2", got)
		}
	})
}

func TestAPIErrorMessage(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-7")
		w.WriteHeader(400)
		fmt.Fprint(w, `{"errorCode":"UnexpectedContent","message":"Repository \"repo-ams\" already exists"}`)
	}))
	t.Cleanup(srv.Close)
	tr := newTestTransport(t, srv.URL, newFakeClock(), nil)
	_, err := tr.Send(context.Background(), &Request{Method: "POST", Path: "/api/v1/backupInfrastructure/repositories"})
	want := &APIError{API: VBR, Method: "POST", Path: "/api/v1/backupInfrastructure/repositories", Status: 400,
		Code: "UnexpectedContent", Message: `Repository "repo-ams" already exists`, RequestID: "req-7"}
	var got *APIError
	if !errors.As(err, &got) {
		t.Fatalf("Send() error = %v, want *APIError", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("APIError (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(`vbr POST /api/v1/backupInfrastructure/repositories: 400 Bad Request: Repository "repo-ams" already exists`, err.Error()); diff != "" {
		t.Errorf("Error() (-want +got):\n%s", diff)
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	leaf := srv.Certificate()
	pin := Fingerprint(leaf.Raw)
	colons := strings.ToUpper(pin[len("sha256:"):])
	var b strings.Builder
	for i := 0; i < len(colons); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(colons[i : i+2])
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	wrong := "sha256:" + strings.Repeat("ab", 32)
	tests := map[string]struct {
		tls      TLS
		wantErr  []string // substrings of the error; nil = success
		wantWarn bool
	}{
		"pinned fingerprint":                     {tls: TLS{Fingerprint: pin}},
		"pinned fingerprint, upper case, colons": {tls: TLS{Fingerprint: "SHA256:" + b.String()}},
		"wrong fingerprint": {tls: TLS{Fingerprint: wrong}, wantErr: []string{
			"expected " + wrong, "presented " + pin, `set tls.fingerprint: "` + pin + `" on the target`}},
		"wrong fingerprint wins over insecure": {tls: TLS{Fingerprint: wrong, Insecure: true}, wantErr: []string{"presented " + pin}},
		"unknown authority suggests a pin":     {tls: TLS{}, wantErr: []string{"not trusted", "presented " + pin, "tls.fingerprint"}},
		"ca file":                              {tls: TLS{CAFile: caFile}},
		"insecure warns":                       {tls: TLS{Insecure: true}, wantWarn: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var warned atomic.Bool
			tr := newTestTransport(t, srv.URL, newFakeClock(), func(c *Config) {
				c.TLS = tc.tls
				c.Warnf = func(string, ...any) { warned.Store(true) }
			})
			_, err := tr.Send(context.Background(), &Request{Method: "GET", Path: "/x"})
			if tc.wantErr == nil && err != nil {
				t.Fatalf("Send() error = %v", err)
			}
			for _, s := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), s) {
					t.Errorf("Send() error = %v, want it to contain %q", err, s)
				}
			}
			if warned.Load() != tc.wantWarn {
				t.Errorf("warned = %v, want %v", warned.Load(), tc.wantWarn)
			}
		})
	}
}

func TestParseFingerprint(t *testing.T) {
	t.Parallel()
	hex := strings.Repeat("0a", 32)
	tests := map[string]struct {
		in, want string
		err      bool
	}{
		"canonical":  {in: "sha256:" + hex, want: "sha256:" + hex},
		"no prefix":  {in: hex, want: "sha256:" + hex},
		"upper":      {in: "SHA256:" + strings.ToUpper(hex), want: "sha256:" + hex},
		"colons":     {in: strings.TrimSuffix(strings.Repeat("0A:", 32), ":"), want: "sha256:" + hex},
		"too short":  {in: "sha256:abcd", err: true},
		"not hex":    {in: "sha256:" + strings.Repeat("zz", 32), err: true},
		"sha1 label": {in: "sha1:" + hex, err: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFingerprint(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("ParseFingerprint(%q) error = %v, want error %v", tc.in, err, tc.err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseFingerprint(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in, want string
		err      bool
	}{
		"plain":          {in: "https://vbr:9419", want: "https://vbr:9419"},
		"trailing slash": {in: "https://vbr:9419/", want: "https://vbr:9419"},
		"api":            {in: "https://vbr:9419/api", want: "https://vbr:9419"},
		"api v3":         {in: "https://vspc:1280/api/v3/", want: "https://vspc:1280"},
		"no scheme":      {in: "vbr:9419", err: true},
		"ftp":            {in: "ftp://vbr", err: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := BaseURL(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("BaseURL(%q) error = %v, want error %v", tc.in, err, tc.err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("BaseURL(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestDebugTraceRedacts(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RestSvcSessionId", "SESSION-SECRET")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"ACCESS-SECRET","refresh_token":"REFRESH-SECRET","expires_in":900,"nested":{"recoveryToken":"RT-SECRET","name":"visible"}}`)
	}))
	t.Cleanup(srv.Close)
	var buf syncBuffer
	tr := newTestTransport(t, srv.URL, newFakeClock(), func(c *Config) {
		c.Debug = &buf
		c.SensitiveKeys = []string{"sharedSecretValue"}
	})
	ctx := context.Background()
	_, err := tr.Send(ctx, &Request{Method: "POST", Path: "/api/oauth2/token", ContentType: "application/x-www-form-urlencoded",
		Body: []byte("grant_type=password&username=admin&password=PASSWORD-SECRET"), Safe: true,
		Header: http.Header{"Authorization": {"Bearer BEARER-SECRET"}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Send(ctx, &Request{Method: "PUT", Path: "/api/v1/x", ContentType: "application/json",
		Body: []byte(`{"password":"PW2-SECRET","sharedSecretValue":"EXTRA-SECRET","description":"kept"}`)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Send(ctx, &Request{Method: "POST", Path: "/api/sessionMngr/", ContentType: "application/xml",
		Body: []byte(`<LogonSession><SessionId>XML-SECRET</SessionId><UserName>admin</UserName></LogonSession>`), Safe: true})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, secret := range []string{"ACCESS-SECRET", "REFRESH-SECRET", "RT-SECRET", "PASSWORD-SECRET", "BEARER-SECRET",
		"SESSION-SECRET", "PW2-SECRET", "EXTRA-SECRET", "XML-SECRET"} {
		if strings.Contains(out, secret) {
			t.Errorf("debug trace contains %s:\n%s", secret, out)
		}
	}
	for _, want := range []string{"vbr --> POST " + srv.URL + "/api/oauth2/token", "vbr <-- 200 OK POST", "username=admin", "visible", "kept", "<UserName>admin</UserName>", redacted} {
		if !strings.Contains(out, want) {
			t.Errorf("debug trace lacks %q:\n%s", want, out)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	srv, _ := scripted(t, nil)
	rlog := NewRequestLog()
	tr := newTestTransport(t, srv.URL, newFakeClock(), func(c *Config) { c.Log = rlog })
	for _, p := range []string{
		"/api/v1/sessions/8c1e4a3e-7a63-4c8c-9a57-7f3e0e1e2c11",
		"/api/v1/sessions/00000000-0000-0000-0000-000000000001",
		"/api/tasks/task-12",
		"/api/v1/backupInfrastructure/repositories",
	} {
		if _, err := tr.Send(context.Background(), &Request{Method: "GET", Path: p, Query: map[string][]string{"skip": {"0"}}}); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int{
		"GET /api/v1/sessions/{id}":                     2,
		"GET /api/tasks/{id}":                           1,
		"GET /api/v1/backupInfrastructure/repositories": 1,
	}
	if diff := cmp.Diff(want, rlog.Counts()); diff != "" {
		t.Errorf("Counts() (-want +got):\n%s", diff)
	}
	if got := rlog.Total(); got != 4 {
		t.Errorf("Total() = %d, want 4", got)
	}
}

func TestPathTemplate(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"/api/v1/backupInfrastructure/repositories/3F2504E0-4F89-11D3-9A0C-0305E82C3301": "/api/v1/backupInfrastructure/repositories/{id}",
		"/api/agents/jobs/78c3919c54d743feb047485d3566f11f":                              "/api/agents/jobs/{id}",
		"/api/tasks/task-1?x=1": "/api/tasks/{id}",
		"/api/v3/asyncActions/5d5e2f1c-0c51-4b79-a0b5-6f0b1b8c2e9a/result": "/api/v3/asyncActions/{id}/result",
		"/api/query/urn:veeam:AgentBackupJob:abc":                          "/api/query/{id}",
		"/api/v1/serverInfo": "/api/v1/serverInfo",
	}
	for in, want := range tests {
		if diff := cmp.Diff(want, PathTemplate(in)); diff != "" {
			t.Errorf("PathTemplate(%q) (-want +got):\n%s", in, diff)
		}
	}
}
