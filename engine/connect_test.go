package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/veeam"
)

// TestConnectTimeout: a target's timeout replaces the fixed 60 s bound of
// one request.
func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // no answer until the test ends
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first
	cc := ClientConnector{Base: veeam.Config{Retry: veeam.RetryPolicy{MaxAttempts: 1}}}
	conn, err := cc.Connect(context.Background(), TargetConfig{Name: "vbr", API: veeam.VBR, URL: srv.URL, APIVersion: "1.3-rev0",
		Username: "u", Password: "p", TLS: veeam.TLS{Insecure: true}, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err = conn.VBR.Get(ctx, "/api/v1/serverInfo", nil)
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Fatalf("Get = %v, want the 50ms timeout", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Get took %v, want about 50ms", d)
	}
}

// TestConnectNegotiates checks that a VBR target without api_version is
// connected at the newest revision the server serves, and one with it at
// that revision, without asking.
func TestConnectNegotiates(t *testing.T) {
	t.Parallel()
	serves := []string{"1.1-rev0", "1.2-rev1", "1.3-rev0", "1.3-rev1"} // VBR 13.0.1
	var tried []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rev := r.Header.Get("x-api-version")
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/oauth2/token" {
			tried = append(tried, rev)
		}
		if !slices.Contains(serves, rev) {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"errorCode": "NotImplemented", "message": "The specified API version is not supported."})
			return
		}
		switch r.URL.Path {
		case "/api/oauth2/token":
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "a", "refresh_token": "r", "token_type": "bearer", "expires_in": 900})
		case "/api/v1/serverInfo":
			_ = json.NewEncoder(w).Encode(map[string]any{"vbrId": "x", "name": "vbr01", "buildVersion": "13.0.1.180", "patches": []any{}})
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	cc := ClientConnector{Base: veeam.Config{Retry: veeam.RetryPolicy{MaxAttempts: 1}}}
	conn, err := cc.Connect(context.Background(), TargetConfig{Name: "vbr", API: veeam.VBR, URL: srv.URL, InsecureHTTP: true, Username: "admin", Password: "pw"})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	n, ok := conn.VBR.Negotiation()
	if !ok || n.Revision != "1.3-rev1" || n.Build != "13.0.1.180" || conn.VBR.APIVersion() != "1.3-rev1" {
		t.Errorf("negotiated %+v (ok %v), client sends %q; want 1.3-rev1 from build 13.0.1.180", n, ok, conn.VBR.APIVersion())
	}
	if want := []string{"1.3-rev2", "1.3-rev1"}; !slices.Equal(tried, want) {
		t.Errorf("token requests by revision = %v, want %v", tried, want)
	}

	tried = nil
	conn, err = cc.Connect(context.Background(), TargetConfig{Name: "vbr", API: veeam.VBR, URL: srv.URL, InsecureHTTP: true, Username: "admin", Password: "pw", APIVersion: "1.2-rev1"})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if _, ok := conn.VBR.Negotiation(); ok || conn.VBR.APIVersion() != "1.2-rev1" || len(tried) != 0 {
		t.Errorf("a pinned revision: negotiated %v, sends %q, token requests %v", ok, conn.VBR.APIVersion(), tried)
	}
}
