package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
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
	conn, err := cc.Connect(context.Background(), TargetConfig{Name: "vbr", API: veeam.VBR, URL: srv.URL,
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
