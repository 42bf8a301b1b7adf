package steps

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/veeam"
)

// Seed ids of the default simulator state.
const (
	seedLinuxHost  = "3251ddfc-3691-4d20-a43e-860dc275147e"
	seedLinuxHost2 = "9c1e4a57-0f2b-4d7e-8a61-2b3c4d5e6f70"
)

// mountServer is the rev0-required mount server of test repositories: the
// seed's backup server.
func mountServer() Doc {
	return Doc{"mountServerSettingsType": "windows", "windows": Doc{
		"mountServerId": "6745a759-2205-4cd2-b172-8ec8f7e60ef8", "writeCacheFolder": `C:\ProgramData\Veeam\IRCache\`, "vPowerNFSEnabled": true}}
}

// declaredDiff is a small stand-in for the planner's comparison: every
// declared leaf (lists as wholes) against live, both normalised by the
// kind. It returns the differing paths.
func declaredDiff(k *Kind, declared, live Doc) []string {
	var out []string
	var walk func(path string, d, l any)
	walk = func(path string, d, l any) {
		if dm, ok := asMap(d); ok {
			lm, _ := asMap(l)
			for key, dv := range dm {
				p := key
				if path != "" {
					p = path + "." + key
				}
				walk(p, dv, lm[key])
			}
			return
		}
		nd, nl := d, l
		if k.Normalize != nil {
			nd, nl = k.Normalize(path, d), k.Normalize(path, l)
		}
		if fmt.Sprint(jsonish(nd)) != fmt.Sprint(jsonish(nl)) {
			out = append(out, path)
		}
	}
	walk("", declared, live)
	sort.Strings(out)
	return out
}

// jsonish makes numbers of any Go type print alike.
func jsonish(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range t {
			m[k] = jsonish(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = jsonish(e)
		}
		return l
	}
	if s := scalarString(v); s != "" {
		return s
	}
	return v
}

func findObject(t *testing.T, objs []Object, name string) (Object, bool) {
	t.Helper()
	for _, o := range objs {
		if o.Name == name {
			return o, true
		}
	}
	return Object{}, false
}

func TestRepositoryLifecycle(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	ctx := testCtx(t)
	k := vbrRepository()
	specs := map[string]Doc{
		"repo-linux": {"type": "LinuxLocal", "hostId": seedLinuxHost, "repository": Doc{"path": "/backups/ams", "maxTaskCount": 4}, "mountServer": mountServer()},
		"repo-win": {"type": "WinLocal", "description": "windows", "hostId": "6745a759-2205-4cd2-b172-8ec8f7e60ef8",
			"repository": Doc{"path": `D:\Backups`}, "mountServer": mountServer()},
		"repo-smb": {"type": "Smb", "share": Doc{"sharePath": `\\nas01\backups`, "credentialsId": "0b9d5e8e-58e6-4e1a-9d5c-6f0c3c1d2a01",
			"gatewayServer": Doc{"autoSelectEnabled": true}}, "repository": Doc{"maxTaskCount": 2}, "mountServer": mountServer()},
		"repo-nfs": {"type": "Nfs", "share": Doc{"sharePath": "nas01:/backups", "gatewayServer": Doc{"autoSelectEnabled": true}},
			"repository": Doc{"maxTaskCount": 2}, "mountServer": mountServer()},
		"repo-s3": {"type": "S3Compatible", "account": Doc{"servicePoint": "https://s3.tech.local", "regionId": "us-east-1",
			"credentialsId": "0b9d5e8e-58e6-4e1a-9d5c-6f0c3c1d2a01", "connectionSettings": Doc{"connectionType": "Direct"}},
			"bucket": Doc{"bucketName": "veeam", "folderName": "vplay"}, "mountServer": mountServer()},
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range specs {
			if !yield(n) {
				return
			}
		}
	})
	for _, name := range names {
		spec := specs[name]
		s.srv.ResetRequests()
		obj, err := k.Ops.Create(ctx, s.vbr, s.env, name, spec)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		if obj.ID == "" || obj.Name != name {
			t.Fatalf("create %s returned %+v", name, obj)
		}
		// The vendor session does not name the object: a lone create
		// reads it back with one list filtered by its name.
		var reads []string
		for _, r := range s.srv.Requests() {
			if r.Method == http.MethodGet && r.Template == pathRepositories {
				reads = append(reads, r.Query)
			}
		}
		if len(reads) != 1 || !strings.Contains(reads[0], "nameFilter="+url.QueryEscape(name)) {
			t.Errorf("create %s read the repositories back with %q, want one list filtered by its name", name, reads)
		}
		objs, err := k.Ops.List(ctx, s.vbr)
		if err != nil {
			t.Fatal(err)
		}
		live, ok := findObject(t, objs, name)
		if !ok {
			t.Fatalf("list does not show %s after create", name)
		}
		if live.ID != obj.ID {
			t.Errorf("create %s returned id %s, the server has %s", name, obj.ID, live.ID)
		}
		if d := declaredDiff(k, spec, live.Doc); len(d) > 0 {
			t.Errorf("%s: plan after create is not a no-op: %v", name, d)
		}
		if got := str(live.Doc, "description"); got != str(spec, "description") {
			t.Errorf("%s: description = %q", name, got)
		}
	}
	if got := s.progress.doneKinds(); len(got) < len(specs) || got[0] != veeam.KindSession {
		t.Errorf("progress done kinds = %v, want a finished session per create", got)
	}
	if got := len(s.progress.trackedRefs()); got < len(specs) {
		t.Errorf("tracked %d async operations, want at least %d", got, len(specs))
	}

	// Update: change one declared field, the PUT carries the full document.
	objs, _ := k.Ops.List(ctx, s.vbr)
	live, _ := findObject(t, objs, "repo-linux")
	upd := jsondoc.Merge(specs["repo-linux"], Doc{"repository": Doc{"maxTaskCount": 6}})
	if d := declaredDiff(k, upd, live.Doc); !slices.Equal(d, []string{"repository.maxTaskCount"}) {
		t.Fatalf("diff before update = %v", d)
	}
	s.srv.ResetRequests()
	got, err := k.Ops.Update(ctx, s.vbr, s.env, live, upd)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if d := declaredDiff(k, upd, got.Doc); len(d) > 0 {
		t.Errorf("diff after update = %v", d)
	}
	if str(got.Doc, "uniqueId") != str(live.Doc, "uniqueId") || strAt(got.Doc, "repository.path") != "/backups/ams" {
		t.Errorf("update lost undeclared fields: %v", got.Doc)
	}
	if diff := cmp.Diff([]string{"PUT /api/v1/backupInfrastructure/repositories/{id}"}, s.writes("vbr")); diff != "" {
		t.Errorf("update writes -want +got:\n%s", diff)
	}
	// One GET before the PUT (the current full model), none after it.
	if n := s.srv.RequestCounts("vbr")["GET /api/v1/backupInfrastructure/repositories/{id}"]; n != 1 {
		t.Errorf("update read the repository %d times, want 1", n)
	}
	objs, _ = k.Ops.List(ctx, s.vbr)
	if now, _ := findObject(t, objs, "repo-linux"); strAt(now.Doc, "repository.maxTaskCount") != "6" {
		t.Errorf("server after update: %v", now.Doc)
	}

	// Delete with delete_backups.
	s.srv.ResetRequests()
	if err := k.Ops.Delete(ctx, s.vbr, s.env, got, Doc{"delete_backups": true}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	var query string
	for _, r := range s.srv.Requests() {
		if r.Method == "DELETE" {
			query = r.Query
		}
	}
	if query != "deleteBackups=true" {
		t.Errorf("delete query = %q, want deleteBackups=true", query)
	}
	objs, _ = k.Ops.List(ctx, s.vbr)
	if _, ok := findObject(t, objs, "repo-linux"); ok {
		t.Errorf("repo-linux still listed after delete")
	}
}

func TestRepositoryCreateFailures(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	ctx := testCtx(t)
	k := vbrRepository()
	spec := Doc{"type": "LinuxLocal", "hostId": seedLinuxHost, "repository": Doc{"path": "/backups/fail"}, "mountServer": mountServer()}

	s.srv.AddFault(sim.FaultRule{API: "vbr", Method: "POST", Path: "/api/v1/backupInfrastructure/repositories", Times: 1,
		FailSession: "Unable to create folder /backups/fail: access denied"})
	_, err := k.Ops.Create(ctx, s.vbr, s.env, "repo-fail", spec)
	wantAsyncFailure(t, err, "access denied")
	if !strings.Contains(err.Error(), `create repository "repo-fail"`) {
		t.Errorf("error %q does not name the repository", err)
	}

	// A refused call carries the vendor's message.
	_, err = k.Ops.Create(ctx, s.vbr, s.env, "repo-bad-host", Doc{"type": "LinuxLocal", "hostId": "00000000-0000-0000-0000-0000000000aa",
		"repository": Doc{"path": "/x"}, "mountServer": mountServer()})
	var ae *veeam.APIError
	if !errors.As(err, &ae) || ae.Status < 400 || ae.Message == "" {
		t.Fatalf("create with an unknown host: %v, want an APIError with the server's message", err)
	}

	// A lost answer: the create reached the server; vplay re-reads and
	// does not POST again.
	s.srv.ResetRequests()
	s.srv.AddFault(sim.FaultRule{API: "vbr", Method: "POST", Path: "/api/v1/backupInfrastructure/repositories", Times: 1, Drop: true})
	obj, err := k.Ops.Create(ctx, s.vbr, s.env, "repo-dropped", spec)
	posts := func() int {
		n := 0
		for _, w := range s.writes("vbr") {
			if w == "POST /api/v1/backupInfrastructure/repositories" {
				n++
			}
		}
		return n
	}
	// The simulator logs a dropped request after the connection closed.
	eventually(t, func() bool { return posts() >= 1 })
	if n := posts(); n != 1 {
		t.Errorf("POSTs after a dropped answer = %d, want exactly 1 (%v)", n, s.writes("vbr"))
	}
	// The sim drops the connection before handling the request, so the
	// repository does not exist: vplay must say so without retrying.
	if err == nil {
		if obj.Name != "repo-dropped" {
			t.Errorf("create after dropped answer returned %+v", obj)
		}
	} else if !errors.Is(err, veeam.ErrUncertain) {
		t.Errorf("create after dropped answer: %v, want ErrUncertain in the chain", err)
	}
}

func TestScaleOutLifecycle(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	ctx := testCtx(t)
	repo := vbrRepository()
	for _, n := range []string{"perf-a", "perf-b"} {
		if _, err := repo.Ops.Create(ctx, s.vbr, s.env, n, Doc{"type": "LinuxLocal", "hostId": seedLinuxHost2,
			"repository": Doc{"path": "/backups/" + n}, "mountServer": mountServer()}); err != nil {
			t.Fatal(err)
		}
	}
	k := vbrScaleOutRepository()
	spec := Doc{
		"description":     "managed",
		"performanceTier": Doc{"performanceExtents": []any{Doc{"name": "perf-a"}}},
		"placementPolicy": Doc{"type": "Performance", "settings": []any{Doc{"name": "perf-a", "allowedBackups": "All"}}},
	}
	obj, err := k.Ops.Create(ctx, s.vbr, s.env, "sobr-test", spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	objs, err := k.Ops.List(ctx, s.vbr)
	if err != nil {
		t.Fatal(err)
	}
	live, ok := findObject(t, objs, "sobr-test")
	if !ok || live.ID != obj.ID {
		t.Fatalf("list does not show sobr-test")
	}
	if d := declaredDiff(k, spec, live.Doc); len(d) > 0 {
		t.Errorf("plan after create is not a no-op: %v\nlive: %v", d, live.Doc)
	}
	upd := jsondoc.Merge(spec, Doc{"performanceTier": Doc{"performanceExtents": []any{Doc{"name": "perf-a"}, Doc{"name": "perf-b"}}}})
	if d := declaredDiff(k, upd, live.Doc); !slices.Equal(d, []string{"performanceTier.performanceExtents"}) {
		t.Fatalf("diff before update = %v", d)
	}
	got, err := k.Ops.Update(ctx, s.vbr, s.env, live, upd)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if d := declaredDiff(k, upd, got.Doc); len(d) > 0 {
		t.Errorf("diff after update = %v (%v)", d, got.Doc)
	}
	if err := k.Ops.Delete(ctx, s.vbr, s.env, got, nil); err != nil {
		t.Fatalf("delete: %v", err)
	}
	objs, _ = k.Ops.List(ctx, s.vbr)
	if _, ok := findObject(t, objs, "sobr-test"); ok {
		t.Errorf("sobr-test listed after delete")
	}

	// Failure paths: an unknown extent name is refused before any write,
	// and a failed session carries its message.
	if _, err := k.Ops.Create(ctx, s.vbr, s.env, "sobr-x", Doc{"performanceTier": Doc{"performanceExtents": []any{Doc{"name": "nope"}}}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown extent: %v, want ErrNotFound", err)
	}
	s.srv.AddFault(sim.FaultRule{API: "vbr", Method: "POST", Path: "/api/v1/backupInfrastructure/scaleOutRepositories", Times: 1,
		FailSession: "Extent perf-b is already in use"})
	_, err = k.Ops.Create(ctx, s.vbr, s.env, "sobr-fail", Doc{"performanceTier": Doc{"performanceExtents": []any{Doc{"name": "perf-b"}}}})
	wantAsyncFailure(t, err, "already in use")
}

func TestScaleOutNormalize(t *testing.T) {
	t.Parallel()
	live := Doc{
		"performanceTier": Doc{"performanceExtents": []any{Doc{"id": "x", "name": "a", "status": []any{"Sealed"}}}},
		"capacityTier":    Doc{"offloadWindow": Doc{"days": []any{Doc{"day": "Monday", "hours": "1"}}}},
	}
	declared := Doc{
		"performanceTier": Doc{"performanceExtents": []any{Doc{"name": "a"}}},
		"capacityTier":    Doc{"offloadWindow": Doc{"days": []any{Doc{"day": "monday", "hours": "1"}}}},
	}
	for _, p := range []string{"", "performanceTier", "performanceTier.performanceExtents", "capacityTier.offloadWindow.days"} {
		d, l := fieldAt(declared, p), fieldAt(live, p)
		if p == "" {
			d, l = declared, live
		}
		if diff := cmp.Diff(normalizeScaleOut(p, d), normalizeScaleOut(p, l)); diff != "" {
			t.Errorf("normalize at %q differs -declared +live:\n%s", p, diff)
		}
	}
	if _, ok := asMap(asList(fieldAt(live, "performanceTier.performanceExtents"))[0]); !ok || str(asList(fieldAt(live, "performanceTier.performanceExtents"))[0].(Doc), "id") != "x" {
		t.Errorf("normalize modified its input")
	}
}

func TestRecoveryTokenLifecycle(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	ctx := testCtx(t)
	k := vbrRecoveryToken()
	exp := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	spec := Doc{"backups": []any{"Linux Agent Backup - linux-web01"}, "expirationDate": exp}
	obj, err := k.Ops.Create(ctx, s.vbr, s.env, "dr-token", spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, ok := obj.Doc["recoveryToken"]; ok {
		t.Errorf("Object.Doc carries the token value")
	}
	sunk := s.progress.sunk[RecoveryTokenSink]
	if len(sunk) != 1 || sunk[0] == "" {
		t.Fatalf("sink got %d values, want the token exactly once", len(sunk))
	}
	objs, err := k.Ops.List(ctx, s.vbr)
	if err != nil {
		t.Fatal(err)
	}
	live, ok := findObject(t, objs, "dr-token")
	if !ok {
		t.Fatalf("list does not show dr-token (identity by name after the rename)")
	}
	for _, o := range objs {
		if _, ok := o.Doc["recoveryToken"]; ok {
			t.Errorf("listed token %q carries its value", o.Name)
		}
	}
	if d := declaredDiff(k, spec, live.Doc); len(d) > 0 {
		t.Errorf("plan after create is not a no-op: %v", d)
	}
	// The value never shows up in an error or the query either.
	q := vbrRecoveryTokens()
	items, err := q.Fetch(ctx, s.vbr, Doc{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if _, ok := it["recoveryToken"]; ok {
			t.Errorf("query item %v carries a token value", it["name"])
		}
	}

	later := time.Now().Add(60 * 24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	upd := Doc{"backups": spec["backups"], "expirationDate": later}
	got, err := k.Ops.Update(ctx, s.vbr, s.env, live, upd)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if d := declaredDiff(k, upd, got.Doc); len(d) > 0 {
		t.Errorf("diff after update = %v", d)
	}
	if err := k.Ops.Delete(ctx, s.vbr, s.env, got, nil); err != nil {
		t.Fatalf("delete: %v", err)
	}
	objs, _ = k.Ops.List(ctx, s.vbr)
	if _, ok := findObject(t, objs, "dr-token"); ok {
		t.Errorf("dr-token listed after delete")
	}

	// Failure: the server refuses, with its message.
	s.srv.AddFault(sim.FaultRule{API: "vbr", Method: "POST", Path: "/api/v1/agents/recoveryTokens", Times: 1, Status: 400,
		Message: "Expiration date must be in the future"})
	_, err = k.Ops.Create(ctx, s.vbr, s.env, "dr-bad", spec)
	var ae *veeam.APIError
	if !errors.As(err, &ae) || !strings.Contains(ae.Message, "must be in the future") {
		t.Errorf("refused create: %v, want the vendor message", err)
	}
	if len(s.progress.sunk[RecoveryTokenSink]) != 1 {
		t.Errorf("sink called again on a failed create")
	}
	if strings.Contains(fmt.Sprint(err), sunk[0]) {
		t.Errorf("an error carries the token value")
	}
}

// TestRepositoryCreatesShareOneReadBack: creates whose sessions finish
// together read their objects back with one list (the vendor session does
// not name the object), and each gets its own object with the id the
// server gave it.
func TestRepositoryCreatesShareOneReadBack(t *testing.T) {
	t.Parallel()
	// Sessions end only when the test moves the simulator's clock.
	s := startSim(t, sim.WithSessionDuration(time.Hour))
	ctx := testCtx(t)
	k := vbrRepository()
	const n = 4
	tracked := make(chan struct{}, n)
	env := s.env
	track := env.Track
	env.Track = func(kind veeam.AsyncKind, id, rid string) {
		track(kind, id, rid)
		tracked <- struct{}{}
	}
	s.srv.ResetRequests()
	objs := make([]Object, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			spec := Doc{"type": "LinuxLocal", "hostId": seedLinuxHost, "repository": Doc{"path": fmt.Sprintf("/backups/together-%d", i)}, "mountServer": mountServer()}
			objs[i], errs[i] = k.Ops.Create(ctx, s.vbr, env, fmt.Sprintf("repo-together-%d", i), spec)
		}()
	}
	for range n {
		select {
		case <-tracked:
		case <-ctx.Done():
			t.Fatal("the creates did not start their sessions")
		}
	}
	s.srv.Advance(2 * time.Hour) // every session ends at once
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	if got := s.srv.RequestCounts("vbr")["GET /api/v1/backupInfrastructure/repositories"]; got != 1 {
		t.Errorf("%d repository lists to read back %d creates whose sessions ended together, want 1", got, n)
	}
	live, err := k.Ops.List(ctx, s.vbr)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range objs {
		name := fmt.Sprintf("repo-together-%d", i)
		l, ok := findObject(t, live, name)
		if !ok || o.Name != name || o.ID == "" || o.ID != l.ID {
			t.Errorf("create %s returned %q id %q, the server has %v", name, o.Name, o.ID, l.ID)
		}
	}
}
