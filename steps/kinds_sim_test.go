package steps_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/steps/kindscript"
	"github.com/vplay-dev/vplay/veeam"
)

// tableKindNames are the kinds built from the table: those with a case in
// kindscript.Cases (the update field and value the generated scripts use
// too) that names no collection path (the hand-written kinds' cases do),
// which TestTableKindsCovered keeps complete.
func tableKindNames() []string {
	var out []string
	for k, c := range kindscript.Cases {
		if c.Path == "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TestTableKindsAgainstSim drives every table-driven kind through the real
// planner and applier against the in-process simulator, at 1.3-rev1 and
// 1.3-rev2 (where the revision defines the kind), starting from the kind's
// own catalogue example: create (settings: the declared fields replace
// the server's), second plan empty, update of a declared field, second plan
// empty, a server-side change of an undeclared field that plans nothing,
// then delete (collections) and a last empty plan.
func TestTableKindsAgainstSim(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the simulator; skipped with -short")
	}
	t.Parallel()
	cat := steps.Builtin()
	for _, rev := range []string{"1.3-rev1", "1.3-rev2"} {
		t.Run(rev, func(t *testing.T) {
			t.Parallel()
			s := startKindSim(t)
			for _, name := range tableKindNames() {
				if steps.Defined(name, rev) != nil {
					continue
				}
				k, _ := cat.Kind(name)
				t.Run(name, func(t *testing.T) { driveKind(t, s, cat, k, rev) })
			}
		})
	}
}

func TestTableKindsCovered(t *testing.T) {
	t.Parallel()
	for _, k := range steps.Builtin().Kinds() {
		if _, ok := steps.TableOf(k); ok {
			if _, listed := kindscript.Cases[k.Name]; !listed {
				t.Errorf("%s is table-driven but TestTableKindsAgainstSim does not drive it", k.Name)
			}
		}
	}
}

type kindSim struct {
	srv *sim.Server
	env map[string]string
}

func startKindSim(t *testing.T) *kindSim {
	t.Helper()
	srv, err := sim.New(sim.WithSessionDuration(20 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &kindSim{srv: srv, env: srv.Env()}
}

// kindPlaybook is the example of k as a playbook against the simulator at
// rev; edit changes the parsed resources first.
func kindPlaybook(t *testing.T, cat *steps.Catalog, k *steps.Kind, rev string, edit func(rs []any)) *playbook.Playbook {
	t.Helper()
	pb, _ := loadKindPlaybook(t, cat, k, rev, edit, false)
	return pb
}

// loadKindPlaybook is kindPlaybook that, when refused is set, wants the
// load refused and returns its diagnostics.
func loadKindPlaybook(t *testing.T, cat *steps.Catalog, k *steps.Kind, rev string, edit func(rs []any), refused bool) (*playbook.Playbook, string) {
	t.Helper()
	var ex struct {
		Resources []any `yaml:"resources"`
	}
	if err := yaml.Unmarshal([]byte(k.Example), &ex); err != nil {
		t.Fatalf("example of %s: %v", k.Name, err)
	}
	if edit != nil {
		edit(ex.Resources)
	}
	doc := map[string]any{
		"vplay": 1,
		"name":  "kind-" + k.Name,
		"targets": map[string]any{"vbr": map[string]any{
			"type": "vbr", "url": "${{ env.VBR_URL }}", "username": "${{ env.VBR_USERNAME }}",
			"password": "${{ secret('VBR_PASSWORD') }}", "api_version": rev,
			"tls": map[string]any{"fingerprint": "${{ env.VBR_FINGERPRINT }}"},
		}},
		"resources": ex.Resources,
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"kind.yaml": {Data: b}}
	pb, diags := playbook.Load(fsys, "kind.yaml", cat, playbook.Options{})
	if diags.HasErrors() && !refused {
		t.Fatalf("playbook of %s at %s:\n%v\n%s", k.Name, rev, diags, b)
	}
	if refused && !diags.HasErrors() {
		t.Fatalf("playbook of %s at %s loaded, want it refused:\n%s", k.Name, rev, b)
	}
	return pb, fmt.Sprint(diags)
}

func setField(spec map[string]any, path string, v any) {
	segs := strings.Split(path, ".")
	cur := spec
	for _, s := range segs[:len(segs)-1] {
		next, ok := cur[s].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[s] = next
		}
		cur = next
	}
	cur[segs[len(segs)-1]] = v
}

func driveKind(t *testing.T, s *kindSim, cat *steps.Catalog, k *steps.Kind, rev string) {
	ctx := context.Background()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.srv.CertPEM())
	rec := &putRecorder{base: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	e := engine.New(engine.Config{
		Catalog:   cat,
		Connector: engine.ClientConnector{Base: veeam.Config{HTTPClient: &http.Client{Transport: rec}}},
		Env:       s.env,
		Secret: func(name string) (string, error) {
			if v, ok := s.env[name]; ok {
				return v, nil
			}
			return "s3cr3t-" + strings.ToLower(name), nil
		},
	})
	t.Cleanup(func() { _ = e.Close(ctx) })
	singleton := k.Ops != nil && !creatable(k)
	plan := func(pb *playbook.Playbook) *engine.Plan {
		t.Helper()
		p, err := e.Plan(ctx, pb)
		if err != nil {
			t.Fatalf("plan: %v", err)
		}
		return p
	}
	apply := func(pb *playbook.Playbook, p *engine.Plan) {
		t.Helper()
		res, err := e.Apply(ctx, pb, p, engine.ApplyOptions{}, engine.NopObserver)
		if err != nil || res.Failed() {
			var errs []string
			for _, it := range res.Items {
				errs = append(errs, fmt.Sprintf("%s %s: %s %s", it.Addr, it.Action, it.Outcome, it.Error))
			}
			t.Fatalf("apply: %v\n%s", err, strings.Join(errs, "\n"))
		}
	}
	clean := func(pb *playbook.Playbook, when string) *engine.Plan {
		t.Helper()
		p := plan(pb)
		if p.HasChanges() {
			t.Fatalf("%s: plan has changes: %s", when, describe(p))
		}
		return p
	}
	mine := func(p *engine.Plan) engine.Change {
		t.Helper()
		for _, c := range p.Changes {
			if c.Addr.Kind == k.Name {
				return c
			}
		}
		t.Fatalf("no change of %s in %s", k.Name, describe(p))
		return engine.Change{}
	}

	// Create (a settings object exists already: its declared fields are
	// an update or already match).
	pb := kindPlaybook(t, cat, k, rev, nil)
	first := plan(pb)
	c := mine(first)
	switch {
	case singleton && c.Action == engine.Create:
		t.Fatalf("settings planned as a create: %s", describe(first))
	case !singleton && c.Action != engine.Create:
		t.Fatalf("first plan: %s, want a create", describe(first))
	}
	apply(pb, first)
	live := mine(clean(pb, "after create"))

	// Update of a declared field, then converged again.
	up := kindscript.Cases[k.Name]
	edited := kindPlaybook(t, cat, k, rev, func(rs []any) {
		spec, _ := rs[0].(map[string]any)["spec"].(map[string]any)
		setField(spec, up.Field, up.Value)
	})
	p := plan(edited)
	c = mine(p)
	rec.reset()
	defer func() {
		if !t.Failed() {
			checkUpdateBody(t, k, rev, c, rec.puts())
		}
	}()
	if c.Action != engine.Update || !slices.ContainsFunc(c.Diff, func(d engine.DiffNode) bool {
		return d.Path.String() == up.Field || strings.HasPrefix(up.Field, d.Path.String()+".")
	}) {
		t.Fatalf("update of %s: %s", up.Field, describe(p))
	}
	apply(edited, p)
	live = mine(clean(edited, "after update"))

	// A server-side change of a field the playbook does not declare plans
	// nothing.
	spec := rs0spec(t, k)
	if tb, _ := steps.TableOf(k); tb.Identity != "" {
		// The name is the identity: changing it is another object.
		id, _, _ := strings.Cut(tb.Identity, ".")
		spec[id] = true
	}
	if field, patch, ok := undeclared(live.Before, spec); ok {
		id := live.ID
		if singleton {
			id = ""
		}
		if err := s.srv.Mutate("vbr", collectionPath(k), id, patch, false); err != nil {
			t.Fatalf("mutate %s: %v", field, err)
		}
		after := mine(clean(edited, "after a server-side change of "+field))
		if fmt.Sprint(after.Before) == fmt.Sprint(live.Before) {
			t.Fatalf("the server-side change of %s is not live", field)
		}
	} else {
		t.Logf("the vendor model has no field the example leaves undeclared: no server-side change tried")
	}
	if singleton {
		return
	}

	// Delete (refused at load when the vendor has no DELETE: nothing is
	// removed).
	absent := func(rs []any) {
		rs[0].(map[string]any)["state"] = "absent"
		delete(rs[0].(map[string]any), "spec")
	}
	if k.NoDelete {
		if _, diags := loadKindPlaybook(t, cat, k, rev, absent, true); !strings.Contains(diags, "cannot be deleted") {
			t.Fatalf("state: absent of %s (no vendor DELETE): %s", k.Name, diags)
		}
		if p := plan(edited); p.HasChanges() {
			t.Fatalf("a refused delete changed the object: %s", describe(p))
		}
		return
	}
	gone := kindPlaybook(t, cat, k, rev, absent)
	p = plan(gone)
	if c = mine(p); c.Action != engine.Delete || c.Risk != engine.RiskDestructive {
		t.Fatalf("delete: %s", describe(p))
	}
	apply(gone, p)
	clean(gone, "after delete")
}

// rs0spec is the spec of the first resource of k's example.
func rs0spec(t *testing.T, k *steps.Kind) map[string]any {
	var ex struct {
		Resources []map[string]any `yaml:"resources"`
	}
	if err := yaml.Unmarshal([]byte(k.Example), &ex); err != nil {
		t.Fatal(err)
	}
	spec, _ := ex.Resources[0]["spec"].(map[string]any)
	return spec
}

// undeclared picks a scalar field of a live document (at any depth of
// nested objects) the spec does not declare, and a merge patch giving it
// another value; ok is false when the model has no such field.
func undeclared(live, spec map[string]any) (path string, patch map[string]any, ok bool) {
	keys := make([]string, 0, len(live))
	for k := range live {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "id" || k == "name" || k == "type" {
			continue
		}
		sub, declared := spec[k]
		switch v := live[k].(type) {
		case map[string]any:
			sm, _ := sub.(map[string]any)
			if declared && sm == nil {
				continue
			}
			if p, inner, ok := undeclared(v, sm); ok {
				return k + "." + p, map[string]any{k: inner}, true
			}
		case bool:
			if !declared {
				return k, map[string]any{k: !v}, true
			}
		case string:
			if !declared && v != "(sensitive)" && !strings.HasSuffix(k, "Id") {
				return k, map[string]any{k: v + "x"}, true
			}
		case json.Number:
			if n, err := v.Int64(); err == nil && !declared {
				return k, map[string]any{k: n + 1}, true
			}
		case float64:
			if !declared {
				return k, map[string]any{k: v + 1}, true
			}
		}
	}
	return "", nil, false
}

// creatable reports whether a kind's objects are created (collections)
// rather than configured once per server (settings).
func creatable(k *steps.Kind) bool {
	t, ok := steps.TableOf(k)
	return ok && !t.Singleton
}

// collectionPath is the vendor path of a table kind: the simulator's
// Mutate takes it.
func collectionPath(k *steps.Kind) string {
	t, _ := steps.TableOf(k)
	return t.Path
}

func describe(p *engine.Plan) string {
	var b strings.Builder
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "\n  %s %s risk=%s reason=%q", c.Action, c.Addr, c.Risk, c.Reason)
		for _, d := range c.Diff {
			fmt.Fprintf(&b, "\n    %s %s: %v -> %v", d.Op, d.Path, d.Before, d.After)
		}
	}
	return b.String()
}

// TestTableKindTypeChangeIsReplace: changing the vendor type of an object
// plans a destructive replace and applies it as delete + create (a new id,
// the old object gone); a collection the vendor cannot update (AD domains)
// plans any change that way too.
func TestTableKindTypeChangeIsReplace(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the simulator; skipped with -short")
	}
	t.Parallel()
	s := startKindSim(t)
	cat := steps.Builtin()
	ctx := context.Background()
	e := engine.New(engine.Config{Catalog: cat, Connector: engine.ClientConnector{Base: veeam.Config{}}, Env: s.env,
		Secret: func(name string) (string, error) {
			if v, ok := s.env[name]; ok {
				return v, nil
			}
			return "s3cr3t-" + name, nil
		}})
	t.Cleanup(func() { _ = e.Close(ctx) })
	k, _ := cat.Kind("vbr.credential")
	run := func(pb *playbook.Playbook) *engine.Plan {
		t.Helper()
		p, err := e.Plan(ctx, pb)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Apply(ctx, pb, p, engine.ApplyOptions{}, engine.NopObserver)
		if err != nil || res.Failed() {
			t.Fatalf("apply: %v %+v", err, res)
		}
		return p
	}
	run(kindPlaybook(t, cat, k, "1.3-rev2", nil))
	standard := kindPlaybook(t, cat, k, "1.3-rev2", func(rs []any) {
		rs[0].(map[string]any)["spec"] = map[string]any{"type": "Standard", "description": "now a Windows account",
			"password": "${{ secret('WIN_PASSWORD') }}"}
	})
	p := run(standard)
	c := p.Changes[0]
	if c.Action != engine.Update || c.Risk != engine.RiskDestructive || !strings.Contains(c.Reason, "type changes from Linux to Standard") {
		t.Fatalf("type change: %s", describe(p))
	}
	after, err := e.Plan(ctx, standard)
	if err != nil {
		t.Fatal(err)
	}
	if after.HasChanges() || after.Changes[0].ID == c.ID || after.Changes[0].Before["type"] != "Standard" {
		t.Fatalf("after the replace: id %s (was %s): %s", after.Changes[0].ID, c.ID, describe(after))
	}
}

// putRecorder is an http.RoundTripper that keeps the body of every PUT.
type putRecorder struct {
	base   http.RoundTripper
	mu     sync.Mutex
	bodies []map[string]any
}

func (r *putRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		var doc map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if dec.Decode(&doc) == nil {
			r.mu.Lock()
			r.bodies = append(r.bodies, doc)
			r.mu.Unlock()
		}
	}
	return r.base.RoundTrip(req)
}

func (r *putRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = nil
}

func (r *putRecorder) puts() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.bodies)
}

// checkUpdateBody: the document an update of a table kind PUTs is the
// plan's after (what the user reviewed), apart from what the table says
// the vendor's PUT model never takes: the names written for references
// (sent as the ids next to them), write-only secrets (sent on create only)
// and create-only fields.
func checkUpdateBody(t *testing.T, k *steps.Kind, rev string, c engine.Change, puts []map[string]any) {
	t.Helper()
	if c.Action != engine.Update || c.Risk == engine.RiskDestructive { // a replace sends a create
		return
	}
	if len(puts) != 1 {
		t.Fatalf("update of %s sent %d PUTs, want 1", k.Name, len(puts))
	}
	tb, _ := steps.TableOf(k)
	after := jsondoc.CopyMap(c.After)
	body := jsondoc.CopyMap(puts[0])
	var drop []jsondoc.Path
	for _, r := range tb.Refs {
		drop = append(drop, jsondoc.ParseDotted(r.Alias))
	}
	for _, f := range append(tb.WriteOnly(rev), tb.Secrets(rev)...) {
		drop = append(drop, jsondoc.ParseDotted(f))
	}
	for _, doc := range []map[string]any{after, body} {
		for _, p := range drop {
			deleteAt(doc, p)
		}
	}
	if !jsondoc.Equal(after, body) {
		t.Errorf("update of %s at %s: the PUT body is not the plan's after:\n%s", k.Name, rev, cmp.Diff(after, body))
	}
}

// deleteAt removes the field at p from doc and from every object of the
// lists on the way.
func deleteAt(doc any, p jsondoc.Path) {
	if len(p) == 0 {
		return
	}
	switch d := doc.(type) {
	case map[string]any:
		if len(p) == 1 {
			delete(d, p[0].Key)
			return
		}
		deleteAt(d[p[0].Key], p[1:])
	case []any:
		for _, e := range d {
			deleteAt(e, p)
		}
	}
}

// TestMountServerAfterItsManagedServer: a mount server named after a
// managed server the same playbook adds is created after it (the vendor
// refuses a mount server role for an unknown host), with the new host's
// id, and the next plan is empty. It fails if the planner does not order
// the role after its owner.
func TestMountServerAfterItsManagedServer(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the simulator; skipped with -short")
	}
	t.Parallel()
	s := startKindSim(t)
	cat := steps.Builtin()
	ctx := context.Background()
	e := engine.New(engine.Config{Catalog: cat, Connector: engine.ClientConnector{Base: veeam.Config{}}, Env: s.env,
		Secret: func(name string) (string, error) {
			if v, ok := s.env[name]; ok {
				return v, nil
			}
			return "s3cr3t-" + name, nil
		}})
	t.Cleanup(func() { _ = e.Close(ctx) })
	src := `vplay: 1
name: mount-order
targets:
  vbr:
    type: vbr
    url: "${{ env.VBR_URL }}"
    username: "${{ env.VBR_USERNAME }}"
    password: "${{ secret('VBR_PASSWORD') }}"
    api_version: 1.3-rev2
    tls: {fingerprint: "${{ env.VBR_FINGERPRINT }}"}
resources:
  - kind: vbr.mount_server
    name: linux-new.tech.local
    spec: {settings: {writeCacheFolder: /var/cache/ir/}}
  - kind: vbr.managed_server
    name: linux-new.tech.local
    spec: {type: LinuxHost, credentials: svc-new, credentialsStorageType: Permanent, sshFingerprint: ssh-ed25519 AAAA}
  - kind: vbr.credential
    name: svc-new
    spec: {type: Linux, authenticationType: Password, password: "${{ secret('NEW_PASSWORD') }}"}
`
	pb, diags := playbook.Load(fstest.MapFS{"order.yaml": {Data: []byte(src)}}, "order.yaml", cat, playbook.Options{})
	if diags.HasErrors() {
		t.Fatalf("%v", diags)
	}
	p, err := e.Plan(ctx, pb)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Apply(ctx, pb, p, engine.ApplyOptions{}, engine.NopObserver)
	if err != nil || res.Failed() {
		var errs []string
		for _, it := range res.Items {
			errs = append(errs, fmt.Sprintf("%s %s: %s %s", it.Addr, it.Action, it.Outcome, it.Error))
		}
		t.Fatalf("apply: %v\n%s", err, strings.Join(errs, "\n"))
	}
	again, err := e.Plan(ctx, pb)
	if err != nil {
		t.Fatal(err)
	}
	if again.HasChanges() {
		t.Fatalf("after apply: %s", describe(again))
	}
	var host, mount string
	for _, c := range again.Changes {
		switch c.Addr.Kind {
		case "vbr.managed_server":
			host = c.ID
		case "vbr.mount_server":
			mount = c.ID
		}
	}
	if host == "" || !strings.EqualFold(host, mount) {
		t.Errorf("mount server id %q, want its managed server's %q", mount, host)
	}
}

// TestReferencesPerTarget: two VBR targets of one playbook (here two API
// revisions of one server, whose generic objects differ) each resolve the
// credentials an AD domain names in their own list: after apply, the plan
// is empty on both. It fails when a run's reference index or list cache is
// shared by the targets.
func TestReferencesPerTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the simulator; skipped with -short")
	}
	t.Parallel()
	s := startKindSim(t)
	cat := steps.Builtin()
	ctx := context.Background()
	e := engine.New(engine.Config{Catalog: cat, Connector: engine.ClientConnector{Base: veeam.Config{}}, Env: s.env,
		Secret: func(name string) (string, error) {
			if v, ok := s.env[name]; ok {
				return v, nil
			}
			return "s3cr3t-" + name, nil
		}})
	t.Cleanup(func() { _ = e.Close(ctx) })
	var b strings.Builder
	b.WriteString("vplay: 1\nname: two-targets\ntargets:\n")
	for _, rev := range []string{"1.3-rev1", "1.3-rev2"} {
		fmt.Fprintf(&b, `  vbr_%[1]s:
    type: vbr
    url: "${{ env.VBR_URL }}"
    username: "${{ env.VBR_USERNAME }}"
    password: "${{ secret('VBR_PASSWORD') }}"
    api_version: 1.3-%[1]s
    tls: {fingerprint: "${{ env.VBR_FINGERPRINT }}"}
`, rev[len("1.3-"):])
	}
	b.WriteString("resources:\n")
	for _, tg := range []string{"vbr_rev1", "vbr_rev2"} {
		fmt.Fprintf(&b, `  - kind: vbr.ad_domain
    target: %[1]s
    name: dc01.corp.example
    spec: {port: 389, credentials: svc-ad}
  - kind: vbr.credential
    target: %[1]s
    name: svc-ad
    spec: {type: Standard, password: "${{ secret('AD_PASSWORD') }}"}
`, tg)
	}
	pb, diags := playbook.Load(fstest.MapFS{"two.yaml": {Data: []byte(b.String())}}, "two.yaml", cat, playbook.Options{})
	if diags.HasErrors() {
		t.Fatalf("%v\n%s", diags, b.String())
	}
	p, err := e.Plan(ctx, pb)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := e.Apply(ctx, pb, p, engine.ApplyOptions{}, engine.NopObserver); err != nil || res.Failed() {
		t.Fatalf("apply: %v %+v", err, res)
	}
	for range 3 { // the targets' lists race; any order must plan nothing
		again, err := e.Plan(ctx, pb)
		if err != nil {
			t.Fatal(err)
		}
		if again.HasChanges() {
			t.Fatalf("after apply: %s", describe(again))
		}
	}
}
