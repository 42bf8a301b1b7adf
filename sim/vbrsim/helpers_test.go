package vbrsim_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/sim"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sessionDuration is long on the fake clock; tests advance past it.
const sessionDuration = 10 * time.Second

// startSim starts a strict simulator on a fake clock and returns a client
// logged in as admin on rev2.
func startSim(t *testing.T, opts ...sim.Option) (*sim.Server, *fakeClock, *client) {
	t.Helper()
	clock := newFakeClock()
	opts = append([]sim.Option{sim.WithClock(clock), sim.WithSessionDuration(sessionDuration), sim.WithStrict(true)}, opts...)
	s, err := sim.New(opts...)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		cancel()
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if errs := s.ContractErrors(); len(errs) > 0 {
			t.Errorf("contract errors:\n%s", strings.Join(errs, "\n"))
		}
	})
	c := newClient(t, s, "1.3-rev2")
	c.login("admin")
	return s, clock, c
}

// client is a plain net/http client trusting the simulator's certificate.
type client struct {
	t       *testing.T
	base    string
	hc      *http.Client
	rev     string
	token   string
	refresh string
}

func newClient(t *testing.T, s *sim.Server, rev string) *client {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CertPEM()) {
		t.Fatal("CertPEM is not a PEM certificate")
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(hc.CloseIdleConnections)
	return &client{t: t, base: s.URLs().VBR, hc: hc, rev: rev}
}

// raw sends a request and returns status and decoded body (nil if empty).
func (c *client) raw(method, path string, header http.Header, body io.Reader) (int, map[string]any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return resp.StatusCode, nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("%s %s: %d: body is not a JSON object: %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

// do sends an authenticated JSON request.
func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	h := http.Header{}
	if c.rev != "" {
		h.Set("x-api-version", c.rev)
	}
	if c.token != "" {
		h.Set("Authorization", "Bearer "+c.token)
	}
	var r io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			r = strings.NewReader(b)
		default:
			j, err := json.Marshal(body)
			if err != nil {
				c.t.Fatal(err)
			}
			r = bytes.NewReader(j)
		}
		h.Set("Content-Type", "application/json")
	}
	return c.raw(method, path, h, r)
}

// tokenRequest posts a form to /api/oauth2/token.
func (c *client) tokenRequest(form url.Values) (int, map[string]any) {
	c.t.Helper()
	h := http.Header{}
	h.Set("x-api-version", c.rev)
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.raw(http.MethodPost, "/api/oauth2/token", h, strings.NewReader(form.Encode()))
}

func (c *client) login(user string) {
	c.t.Helper()
	st, body := c.tokenRequest(url.Values{"grant_type": {"password"}, "username": {user}, "password": {"Passw0rd!"}})
	if st != http.StatusOK {
		c.t.Fatalf("login %s: %d %v", user, st, body)
	}
	c.token, _ = body["access_token"].(string)
	c.refresh, _ = body["refresh_token"].(string)
}

// as returns a second client of the same simulator logged in as user.
func (c *client) as(user string) *client {
	d := &client{t: c.t, base: c.base, hc: c.hc, rev: c.rev}
	d.login(user)
	return d
}

// list returns the names of a list response's data.
func names(body map[string]any) []string {
	var out []string
	data, _ := body["data"].([]any)
	for _, d := range data {
		m, _ := d.(map[string]any)
		n, _ := m["name"].(string)
		out = append(out, n)
	}
	return out
}

func field(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

// await advances the fake clock past the session duration and returns the
// final session.
func (c *client) await(clock *fakeClock, session map[string]any) map[string]any {
	c.t.Helper()
	id, _ := session["id"].(string)
	clock.Advance(2 * sessionDuration)
	st, s := c.do(http.MethodGet, "/api/v1/sessions/"+id, nil)
	if st != http.StatusOK || s["state"] != "Stopped" {
		c.t.Fatalf("session %s after the duration: %d %v", id, st, s)
	}
	return s
}

// idsNamed lists the ids of the objects of a collection named name.
func idsNamed(c *client, path, name string) []string {
	c.t.Helper()
	st, list := c.do(http.MethodGet, path+"?nameFilter="+url.QueryEscape(name), nil)
	if st != http.StatusOK {
		c.t.Fatalf("list %s: %d %v", path, st, list)
	}
	var ids []string
	data, _ := list["data"].([]any)
	for _, d := range data {
		if id, ok := d.(map[string]any)["id"].(string); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// idNamed is the id of the one object of a collection named name.
func idNamed(c *client, path, name string) string {
	c.t.Helper()
	ids := idsNamed(c, path, name)
	if len(ids) != 1 {
		c.t.Fatalf("%s named %q: ids %v, want exactly one", path, name, ids)
	}
	return ids[0]
}
