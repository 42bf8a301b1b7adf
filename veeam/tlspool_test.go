package veeam

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// TestIdlePoolKeepsParallelConnections sends two bursts of 20 parallel
// requests to an HTTP/1.1 server: the connections of the first burst are
// kept and reused by the second, instead of closing all but 8 and
// handshaking again (33 new TLS handshakes at parallelism 20 before).
func TestIdlePoolKeepsParallelConnections(t *testing.T) {
	const par = 20
	var opened atomic.Int32
	release := make(chan struct{})
	var arrived sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Done()
		<-release // hold every request until the whole burst is in flight
		fmt.Fprint(w, `{}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr := newTestTransport(t, srv.URL, nil, func(c *Config) { c.TLS = TLS{Fingerprint: Fingerprint(srv.Certificate().Raw)} })
	burst := func() {
		arrived.Add(par)
		var wg sync.WaitGroup
		errs := make([]error, par)
		for i := range par {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = tr.Send(context.Background(), &Request{Method: http.MethodGet, Path: "/x"})
			}()
		}
		arrived.Wait()
		for range par {
			release <- struct{}{}
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	burst()
	first := opened.Load()
	burst()
	if again := opened.Load() - first; again != 0 {
		t.Errorf("second burst of %d opened %d new connections (first opened %d), want all reused", par, again, first)
	}
}
