package veeam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeSecrets is a Secrets that masks by plain replacement.
type fakeSecrets struct {
	mu     sync.Mutex
	values []string
}

func (f *fakeSecrets) Add(values ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range values {
		if v != "" && !slices.Contains(f.values, v) {
			f.values = append(f.values, v)
		}
	}
}

func (f *fakeSecrets) Mask(s string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range f.values {
		s = strings.ReplaceAll(s, v, "(sensitive)")
	}
	return s
}

func (f *fakeSecrets) known(v string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.values, v)
}

// TestSecretsLearntAndMasked: the transport learns the password, the
// tokens of a token answer, bearer and session headers, and masks every
// known value in the debug trace (bodies included) and in server error
// messages that echo them.
func TestSecretsLearntAndMasked(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/oauth2/token":
			w.Header().Set("X-RestSvcSessionId", "SESSION-4242")
			fmt.Fprint(w, `{"access_token":"ACCESS-9f8e7d","refresh_token":"REFRESH-1a2b3c","passwordId":"id-not-secret"}`)
		case "/api/v1/agents/recoveryTokens":
			fmt.Fprint(w, `{"id":"t1","recoveryToken":"ABC-DEF-123"}`)
		default:
			w.WriteHeader(403)
			fmt.Fprint(w, `{"errorCode":"Forbidden","message":"token ACCESS-9f8e7d (user admin, password PASSWORD-12345, note SPEC-SECRET-1, rt ABC-DEF-123) denied"}`)
		}
	}))
	t.Cleanup(srv.Close)
	sec := &fakeSecrets{}
	sec.Add("SPEC-SECRET-1") // a secret() value the engine knows already
	var buf syncBuffer
	tr := newTestTransport(t, srv.URL, newFakeClock(), func(c *Config) {
		c.Debug, c.Secrets, c.Password = &buf, sec, "PASSWORD-12345"
	})
	ctx := context.Background()
	if _, err := tr.Send(ctx, &Request{Method: "POST", Path: "/api/oauth2/token", ContentType: "application/x-www-form-urlencoded",
		Body: []byte("grant_type=password&username=admin&password=PASSWORD-12345"), Safe: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Send(ctx, &Request{Method: "POST", Path: "/api/v1/agents/recoveryTokens"}); err != nil {
		t.Fatal(err)
	}
	_, err := tr.Send(ctx, &Request{Method: "PUT", Path: "/api/v1/x", ContentType: "application/json",
		Header: http.Header{"Authorization": {"Bearer ACCESS-9f8e7d"}},
		Body:   []byte(`{"description":"SPEC-SECRET-1"}`)})
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("Send() = %v, want *APIError", err)
	}
	if want := "token (sensitive) (user admin, password (sensitive), note (sensitive), rt (sensitive)) denied"; apiErr.Message != want {
		t.Errorf("APIError.Message = %q, want %q", apiErr.Message, want)
	}
	for _, v := range []string{"PASSWORD-12345", "ACCESS-9f8e7d", "REFRESH-1a2b3c", "SESSION-4242", "ABC-DEF-123"} {
		if !sec.known(v) {
			t.Errorf("%s was not learnt", v)
		}
	}
	if sec.known("id-not-secret") {
		t.Error("an id of a secret was learnt as a secret")
	}
	out := buf.String()
	for _, v := range []string{"PASSWORD-12345", "ACCESS-9f8e7d", "REFRESH-1a2b3c", "SESSION-4242", "ABC-DEF-123", "SPEC-SECRET-1"} {
		if strings.Contains(out, v) {
			t.Errorf("debug trace contains %s:\n%s", v, out)
		}
	}
	if !strings.Contains(out, `{"description":"(sensitive)"}`) {
		t.Errorf("request body not traced masked:\n%s", out)
	}
}
