package vbr_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

func TestDocumentOf(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		rev, want string
		err       error
	}{
		"documented 1.1-rev0": {rev: "1.1-rev0", want: "1.1-rev0"},
		"documented 1.2-rev1": {rev: "1.2-rev1", want: "1.2-rev1"},
		"documented 1.3-rev0": {rev: "1.3-rev0", want: "1.3-rev0"},
		"documented 1.3-rev1": {rev: "1.3-rev1", want: "1.3-rev1"},
		"documented 1.3-rev2": {rev: "1.3-rev2", want: "1.3-rev2"},
		"1.1-rev1 to older":   {rev: "1.1-rev1", want: "1.1-rev0"},
		"1.1-rev2 to older":   {rev: "1.1-rev2", want: "1.1-rev0"},
		"1.2-rev0 to older":   {rev: "1.2-rev0", want: "1.1-rev0"},
		"never released":      {rev: "1.3-rev9", err: vbr.ErrUnknownRevision},
		"unsupported 1.0":     {rev: "1.0-rev2", err: vbr.ErrUnknownRevision},
		"empty":               {rev: "", err: vbr.ErrUnknownRevision},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := vbr.DocumentOf(tc.rev)
			if !errors.Is(err, tc.err) {
				t.Fatalf("DocumentOf(%q) error = %v, want %v", tc.rev, err, tc.err)
			}
			if got != tc.want {
				t.Errorf("DocumentOf(%q) = %q, want %q", tc.rev, got, tc.want)
			}
		})
	}
}

// versionServer is a VBR server that serves only the given revisions: the
// token call answers the vendor's version error for any other one.
type versionServer struct {
	serves []string
	build  string
	mu     sync.Mutex
	tried  []string // x-api-version of each token request
	info   []string // x-api-version of each serverInfo request
}

func (s *versionServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rev := r.Header.Get("x-api-version")
	if !slices.Contains(s.serves, rev) {
		if r.URL.Path == "/api/oauth2/token" {
			s.mu.Lock()
			s.tried = append(s.tried, rev)
			s.mu.Unlock()
		}
		vbrError(w, http.StatusBadRequest, "NotImplemented", "The specified API version is not supported.")
		return
	}
	switch r.URL.Path {
	case "/api/oauth2/token":
		s.mu.Lock()
		s.tried = append(s.tried, rev)
		s.mu.Unlock()
		if err := r.ParseForm(); err != nil || r.PostForm.Get("password") != "Passw0rd!" {
			vbrError(w, http.StatusUnauthorized, "AccessDenied", "Invalid credentials")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "a", "token_type": "bearer", "refresh_token": "r", "expires_in": 900})
	case "/api/v1/serverInfo":
		s.mu.Lock()
		s.info = append(s.info, rev)
		s.mu.Unlock()
		if s.build == "" {
			vbrError(w, http.StatusNotFound, "NotFound", "Resource does not exist")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"vbrId": "x", "name": "vbr01", "buildVersion": s.build, "patches": []any{}})
	default:
		vbrError(w, http.StatusNotFound, "NotFound", "Resource does not exist")
	}
}

func TestNegotiate(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		serves   []string
		build    string
		password string
		want     vbr.Negotiated
		tried    []string
		wantErr  bool
	}{
		"VBR 13.1 answers the newest at once": {
			serves: []string{"1.1-rev0", "1.2-rev1", "1.3-rev0", "1.3-rev1", "1.3-rev2"}, build: "13.1.0.411",
			want:  vbr.Negotiated{Revision: "1.3-rev2", Build: "13.1.0.411"},
			tried: []string{"1.3-rev2"},
		},
		"VBR 13.0.1 refuses rev2": {
			serves: []string{"1.1-rev0", "1.2-rev1", "1.3-rev0", "1.3-rev1"}, build: "13.0.1.180",
			want:  vbr.Negotiated{Revision: "1.3-rev1", Refused: []string{"1.3-rev2"}, Build: "13.0.1.180"},
			tried: []string{"1.3-rev2", "1.3-rev1"},
		},
		"VBR 12.3.0 stops at its own 1.2-rev0": {
			serves: []string{"1.1-rev0", "1.1-rev1", "1.1-rev2", "1.2-rev0"}, build: "12.3.0.310",
			want:  vbr.Negotiated{Revision: "1.2-rev0", Refused: []string{"1.3-rev2", "1.3-rev1", "1.3-rev0", "1.2-rev1"}, Build: "12.3.0.310"},
			tried: []string{"1.3-rev2", "1.3-rev1", "1.3-rev0", "1.2-rev1", "1.2-rev0"},
		},
		"no serverInfo still negotiates": {
			serves: []string{"1.3-rev0"},
			want:   vbr.Negotiated{Revision: "1.3-rev0", Refused: []string{"1.3-rev2", "1.3-rev1"}},
			tried:  []string{"1.3-rev2", "1.3-rev1", "1.3-rev0"},
		},
		"bad password stops at the first served revision": {
			serves: []string{"1.3-rev1"}, password: "wrong", wantErr: true,
			tried: []string{"1.3-rev2", "1.3-rev1"},
		},
		"nothing served": {
			serves: []string{"1.0-rev2"}, wantErr: true,
			tried: []string{"1.3-rev2", "1.3-rev1", "1.3-rev0", "1.2-rev1", "1.2-rev0", "1.1-rev2", "1.1-rev1", "1.1-rev0"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := &versionServer{serves: tc.serves, build: tc.build}
			srv := httptest.NewServer(s)
			t.Cleanup(srv.Close)
			pw := tc.password
			if pw == "" {
				pw = "Passw0rd!"
			}
			cfg := veeam.Config{URL: srv.URL, Username: "admin", Password: pw, Retry: veeam.RetryPolicy{MaxAttempts: 1}}
			c, got, err := vbr.Negotiate(context.Background(), cfg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Negotiate() error = %v, want error %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.tried, s.tried); diff != "" {
				t.Errorf("token requests by x-api-version (-want +got):\n%s", diff)
			}
			if tc.wantErr {
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Negotiate() (-want +got):\n%s", diff)
			}
			if c.APIVersion() != tc.want.Revision {
				t.Errorf("client sends %q, want %q", c.APIVersion(), tc.want.Revision)
			}
			if n, ok := c.Negotiation(); !ok || n.Revision != tc.want.Revision {
				t.Errorf("Negotiation() = %+v, %v", n, ok)
			}
			if diff := cmp.Diff([]string{tc.want.Revision}, s.info); diff != "" {
				t.Errorf("serverInfo asked with (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGivenRevisionIsNotNegotiated(t *testing.T) {
	t.Parallel()
	c, err := vbr.New(veeam.Config{URL: "https://127.0.0.1:1", APIVersion: "1.2-rev1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Negotiation(); ok {
		t.Error("Negotiation() ok for a client given its revision")
	}
}
