package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// fakeStore is an in-memory server for the fake catalogue: objects by name,
// a call log and scripted failures.
type fakeStore struct {
	mu      sync.Mutex
	objs    map[string]map[string]any
	calls   []string
	fail    map[string]error // "create thing-a" -> error
	nextID  int
	pokes   int
	pokeErr []error // returned by successive pokes, then nil
	tracked []string
	hang    bool          // Create waits for its context after starting its session
	running int           // pokes in flight
	peak    int           // most pokes in flight at once
	slow    chan struct{} // when set, each poke waits for a value
	started chan struct{} // when set, each poke signals it started
	resumed []string
	// afterTrack, when set, is returned by Create after it started (and
	// journalled) its session: the await failed without seeing an end.
	afterTrack error
	// creating, when set, receives the name of each create as it starts;
	// readBack, when set, makes each create call env.Release once its
	// session "ended" and then wait for a value (its read back).
	creating chan string
	readBack chan struct{}
}

func newFakeStore() *fakeStore {
	return &fakeStore{objs: map[string]map[string]any{}, fail: map[string]error{}}
}

func (s *fakeStore) call(c string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	return s.fail[c]
}

func (s *fakeStore) put(name string, doc map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := doc["id"]; !ok {
		s.nextID++
		doc["id"] = fmt.Sprintf("id-%d", s.nextID)
	}
	doc["name"] = name
	s.objs[name] = doc
}

func (s *fakeStore) writes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.calls {
		if c != "list" && c != "preview" && c != "query" {
			out = append(out, c)
		}
	}
	return out
}

type fakeKindOps struct{ s *fakeStore }

func (f fakeKindOps) List(context.Context, *steps.Conn) ([]steps.Object, error) {
	if err := f.s.call("list"); err != nil {
		return nil, err
	}
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	var out []steps.Object
	for _, name := range slices.Sorted(maps.Keys(f.s.objs)) {
		doc := maps.Clone(f.s.objs[name])
		out = append(out, steps.Object{ID: doc["id"].(string), Name: name, Doc: doc})
	}
	return out, nil
}

func (f fakeKindOps) Create(ctx context.Context, _ *steps.Conn, env steps.Env, name string, spec steps.Doc) (steps.Object, error) {
	if env.Resume != nil {
		if _, id, _, ok := env.Resume(); ok {
			f.s.mu.Lock()
			f.s.resumed = append(f.s.resumed, id)
			f.s.mu.Unlock()
			doc := maps.Clone(spec)
			f.s.put(name, doc)
			return steps.Object{ID: doc["id"].(string), Name: name, Doc: maps.Clone(doc)}, nil
		}
	}
	if err := f.s.call("create " + name); err != nil {
		return steps.Object{}, err
	}
	if env.Track != nil {
		env.Track(veeam.KindSession, "session-"+name, "")
		f.s.mu.Lock()
		f.s.tracked = append(f.s.tracked, name)
		f.s.mu.Unlock()
	}
	if env.Progress != nil {
		env.Progress(veeam.Progress{Kind: veeam.KindSession, ID: "session-" + name, State: "Working", Percent: 50})
	}
	if f.s.afterTrack != nil {
		return steps.Object{}, f.s.afterTrack
	}
	if f.s.creating != nil {
		f.s.creating <- name
	}
	if f.s.readBack != nil {
		env.Release()
		select {
		case <-f.s.readBack:
		case <-ctx.Done():
			return steps.Object{}, ctx.Err()
		}
	}
	if f.s.hang {
		<-ctx.Done()
		return steps.Object{}, ctx.Err()
	}
	if tok, ok := spec["token"].(string); ok && env.Sink != nil {
		if err := env.Sink("token", tok); err != nil {
			return steps.Object{}, err
		}
		spec = maps.Clone(spec)
		delete(spec, "token")
	}
	doc := maps.Clone(spec)
	f.s.put(name, doc)
	return steps.Object{ID: doc["id"].(string), Name: name, Doc: maps.Clone(doc)}, nil
}

func (f fakeKindOps) Update(_ context.Context, _ *steps.Conn, _ steps.Env, live steps.Object, spec steps.Doc) (steps.Object, error) {
	if err := f.s.call("update " + live.Name); err != nil {
		return steps.Object{}, err
	}
	doc := jsondoc.Merge(live.Doc, spec)
	f.s.put(live.Name, doc)
	return steps.Object{ID: live.ID, Name: live.Name, Doc: doc}, nil
}

func (f fakeKindOps) Delete(_ context.Context, _ *steps.Conn, _ steps.Env, live steps.Object, _ steps.Doc) error {
	if err := f.s.call("delete " + live.Name); err != nil {
		return err
	}
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	delete(f.s.objs, live.Name)
	return nil
}

type fakePoke struct{ s *fakeStore }

func (f fakePoke) Preview(_ context.Context, _ *steps.Conn, with steps.Doc) (steps.Preview, error) {
	_ = f.s.call("preview")
	if with["noop"] == true {
		return steps.Preview{Skip: true, Reason: "nothing to poke"}, nil
	}
	return steps.Preview{Summary: fmt.Sprintf("poke %v", with["what"]), Items: []string{fmt.Sprint(with["what"])}}, nil
}

func (f fakePoke) Run(ctx context.Context, _ *steps.Conn, _ steps.Env, with steps.Doc) (steps.Doc, error) {
	if err := f.s.call(fmt.Sprintf("poke %v", with["what"])); err != nil {
		return nil, err
	}
	if f.s.slow != nil {
		f.s.mu.Lock()
		f.s.running++
		f.s.peak = max(f.s.peak, f.s.running)
		f.s.mu.Unlock()
		f.s.started <- struct{}{}
		var err error
		select {
		case <-f.s.slow:
		case <-ctx.Done(): // abandoned: the work would go on on a server
			err = ctx.Err()
		}
		f.s.mu.Lock()
		f.s.running--
		f.s.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	f.s.pokes++
	if len(f.s.pokeErr) > 0 {
		err := f.s.pokeErr[0]
		f.s.pokeErr = f.s.pokeErr[1:]
		if err != nil {
			return nil, err
		}
	}
	return steps.Doc{"poked": with["what"], "count": f.s.pokes}, nil
}

func fakeCatalog(s *fakeStore) *steps.Catalog {
	anyObject := map[string]any{"type": "object"}
	kind := &steps.Kind{
		Meta:       steps.Meta{Name: "vbr.thing", API: veeam.VBR, Summary: "a thing", Schema: anyObject},
		ReadOnly:   []string{"id"},
		Sensitive:  []string{"password"},
		Await:      veeam.KindSession,
		DeleteRisk: steps.RiskDestructive,
		Ops:        fakeKindOps{s},
	}
	poke := &steps.Action{
		Meta: steps.Meta{Name: "vbr.thing.poke", API: veeam.VBR, Summary: "poke", Schema: anyObject},
		Risk: steps.RiskMaintenance, Ops: fakePoke{s},
	}
	builtin := func(name string) *steps.Action {
		return &steps.Action{Meta: steps.Meta{Name: name, Summary: name, Schema: anyObject}, Builtin: true}
	}
	query := &steps.Query{
		Meta: steps.Meta{Name: "vbr.things", API: veeam.VBR, Summary: "things", Schema: anyObject},
		Fetch: func(ctx context.Context, c *steps.Conn, _ steps.Doc) ([]steps.Doc, error) {
			objs, err := fakeKindOps{s}.List(ctx, c)
			if err != nil {
				return nil, err
			}
			var out []steps.Doc
			for _, o := range objs {
				out = append(out, o.Doc)
			}
			return out, nil
		},
	}
	return steps.NewCatalog([]*steps.Kind{kind}, []*steps.Action{poke, builtin("log"), builtin("assert"), builtin("wait")}, []*steps.Query{query})
}

// fakeEngine returns an engine over the fake catalogue and store.
func fakeEngine(t *testing.T, s *fakeStore) *Engine {
	t.Helper()
	return New(Config{
		Catalog: fakeCatalog(s),
		Connector: ConnectorFunc(func(_ context.Context, tc TargetConfig) (*steps.Conn, error) {
			return &steps.Conn{Target: tc.Name, API: tc.API}, nil
		}),
		Closer:     func(context.Context, *steps.Conn) error { return nil },
		Env:        map[string]string{"VBR_URL": "https://vbr.example:9419"},
		Secret:     func(name string) (string, error) { return "s3cr3t-" + name, nil },
		JournalDir: t.TempDir(),
	})
}

const fakeHeader = `vplay: 1
name: fake
targets:
  vbr: { type: vbr, url: "${{ env.VBR_URL }}", username: admin, password: "${{ secret('PW') }}" }
`

// load parses a playbook body (after the standard header) with the fake
// catalogue.
func load(t *testing.T, s *fakeStore, body string) *playbook.Playbook {
	t.Helper()
	fsys := fstest.MapFS{"p.yaml": {Data: []byte(fakeHeader + body)}}
	pb, ds := playbook.Load(fsys, "p.yaml", fakeCatalog(s), playbook.Options{})
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	return pb
}

func mustPlan(t *testing.T, e *Engine, pb *playbook.Playbook) *Plan {
	t.Helper()
	p, err := e.Plan(context.Background(), pb)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	return p
}

func actions(p *Plan) map[string]Action {
	out := map[string]Action{}
	for _, c := range p.Changes {
		out[c.Addr.Name] = c.Action
	}
	return out
}
