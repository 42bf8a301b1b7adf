package steps

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/em"
	"github.com/vplay-dev/vplay/veeam/vbr"
	"github.com/vplay-dev/vplay/veeam/vspc"
)

// simEnv is one in-process simulator with a connection per API.
type simEnv struct {
	srv           *sim.Server
	vbr, em, vspc *Conn
	progress      *progressLog
	env           Env
}

// progressLog records what entries report through Env.
type progressLog struct {
	mu      sync.Mutex
	seen    []veeam.Progress
	tracked []asyncRef
	sunk    map[string][]string
	logs    []string
}

func (p *progressLog) doneKinds() []veeam.AsyncKind {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []veeam.AsyncKind
	for _, s := range p.seen {
		if s.Done {
			out = append(out, s.Kind)
		}
	}
	return out
}

func (p *progressLog) trackedRefs() []asyncRef {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]asyncRef(nil), p.tracked...)
}

// startSim starts a simulator with short sessions and connects to it with
// the fingerprint pin.
func startSim(t *testing.T, opts ...sim.Option) *simEnv {
	t.Helper()
	srv, err := sim.New(append([]sim.Option{sim.WithSessionDuration(50 * time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	// The simulator serves until its context ends: the test's lifetime.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := srv.Start(ctx); err != nil {
		t.Fatalf("sim start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e := srv.Env()
	cfg := func(p string) veeam.Config {
		return veeam.Config{
			URL: e[p+"URL"], Username: e[p+"USERNAME"], Password: e[p+"PASSWORD"],
			TLS:   veeam.TLS{Fingerprint: e[p+"FINGERPRINT"]},
			Retry: veeam.RetryPolicy{MaxAttempts: 2, MaxElapsed: 2 * time.Second, BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond},
		}
	}
	vc, err := vbr.New(cfg("VBR_"))
	if err != nil {
		t.Fatal(err)
	}
	ec, err := em.New(cfg("EM_"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := vspc.New(cfg("VSPC_"))
	if err != nil {
		t.Fatal(err)
	}
	pl := &progressLog{sunk: map[string][]string{}}
	s := &simEnv{
		srv:      srv,
		vbr:      &Conn{Target: "vbr", API: veeam.VBR, VBR: vc},
		em:       &Conn{Target: "em", API: veeam.EM, EM: ec},
		vspc:     &Conn{Target: "vspc", API: veeam.VSPC, VSPC: sc},
		progress: pl,
	}
	s.env = Env{
		Progress: func(p veeam.Progress) { pl.mu.Lock(); pl.seen = append(pl.seen, p); pl.mu.Unlock() },
		Logf: func(f string, a ...any) {
			pl.mu.Lock()
			pl.logs = append(pl.logs, f)
			pl.mu.Unlock()
		},
		Sink: func(name, value string) error {
			pl.mu.Lock()
			pl.sunk[name] = append(pl.sunk[name], value)
			pl.mu.Unlock()
			return nil
		},
		Track: func(k veeam.AsyncKind, id, rid string) {
			pl.mu.Lock()
			pl.tracked = append(pl.tracked, asyncRef{Kind: k, ID: id, RequestID: rid})
			pl.mu.Unlock()
		},
	}
	return s
}

// testCtx is a context bounded well under the package budget.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// writes counts the non-GET vendor requests of an API.
func (s *simEnv) writes(api string) []string {
	var out []string
	for _, r := range s.srv.Requests() {
		if r.API != api || r.Method == "GET" || strings.HasPrefix(r.Path, "/_sim") || strings.Contains(r.Path, "token") ||
			strings.Contains(r.Path, "sessionMngr") || strings.Contains(r.Path, "logonSessions") || strings.Contains(r.Path, "oauth2") {
			continue
		}
		out = append(out, r.Method+" "+r.Template)
	}
	return out
}

// wantAsyncFailure asserts err is a failed session, task or action whose
// message contains msg.
func wantAsyncFailure(t *testing.T, err error, msg string) {
	t.Helper()
	var ae *veeam.AsyncError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want a *veeam.AsyncError", err)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not carry the server's message %q", err, msg)
	}
}

// eventually polls cond for up to two seconds, for effects the simulator
// records just after answering.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; i < 200 && !cond(); i++ {
		if time.Now().After(deadline) {
			return
		}
		<-time.After(10 * time.Millisecond)
	}
}

// strAt follows a dotted path of map keys and returns the string there.
func strAt(d Doc, path string) string {
	var cur any = d
	for _, p := range strings.Split(path, ".") {
		m, ok := asMap(cur)
		if !ok {
			return ""
		}
		cur = m[p]
	}
	return scalarString(cur)
}

// sortedNames returns the "name" of each doc, sorted.
func sortedNames(items []Doc, key string) []string {
	out := make([]string, 0, len(items))
	for _, d := range items {
		out = append(out, scalarString(d[key]))
	}
	slices.Sort(out)
	return out
}
