package engine_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// recorder is an http.RoundTripper that keeps the body of every write.
type recorder struct {
	base   http.RoundTripper
	mu     sync.Mutex
	writes []write
}

type write struct {
	method, path string
	body         map[string]any
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut || req.Method == http.MethodPost || req.Method == http.MethodPatch {
		if req.Body != nil {
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
				r.writes = append(r.writes, write{req.Method, req.URL.Path, doc})
				r.mu.Unlock()
			}
		}
	}
	return r.base.RoundTrip(req)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = nil
}

func (r *recorder) puts(pathPrefix string) []write {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []write
	for _, w := range r.writes {
		if w.method == http.MethodPut && strings.HasPrefix(w.path, pathPrefix) {
			out = append(out, w)
		}
	}
	return out
}

// updateCases are, for every kind whose update sends the whole object,
// a playbook resource (DESC is replaced by the description), the path its
// update PUTs to and, for kinds that translate names the playbook uses
// into the ids the vendor wants, the ids that translation added to the body
// (removed before comparing: everything else must be equal).
var updateCases = map[string]struct {
	resource string
	put      string
	resolved func(body map[string]any)
}{
	"vbr.repository": {put: "/api/v1/backupInfrastructure/repositories/", resource: `
  - kind: vbr.repository
    name: r-linux
    spec:
      type: LinuxLocal
      description: DESC
      hostId: "${{ data.linux.id }}"
      mountServer: { mountServerSettingsType: linux, linux: { mountServerId: "${{ data.linux.id }}", vPowerNFSEnabled: false, writeCacheFolder: /var/cache/veeam } }
      repository: { path: /backups/r-linux, maxTaskCount: 4 }`},
	"vbr.scale_out_repository": {put: "/api/v1/backupInfrastructure/scaleOutRepositories/", resource: `
  - kind: vbr.repository
    for_each: [ext-1, ext-2]
    name: "${{ each }}"
    spec:
      type: LinuxLocal
      description: Scale-out extent
      hostId: "${{ data.linux.id }}"
      mountServer: { mountServerSettingsType: linux, linux: { mountServerId: "${{ data.linux.id }}", vPowerNFSEnabled: false, writeCacheFolder: /var/cache/veeam } }
      repository: { path: "/backups/${{ each }}", maxTaskCount: 4 }
  - kind: vbr.scale_out_repository
    name: sobr
    depends_on: [vbr.repository]
    spec:
      description: DESC
      performanceTier: { performanceExtents: [{ name: ext-1 }, { name: ext-2 }] }
      placementPolicy: { type: DataLocality }`,
		// The playbook names performance extents; the PUT carries the
		// extent ids resolved from those names as well.
		resolved: func(body map[string]any) {
			pt, _ := body["performanceTier"].(map[string]any)
			exts, _ := pt["performanceExtents"].([]any)
			for _, e := range exts {
				if m, ok := e.(map[string]any); ok && m["id"] != nil && m["name"] != nil {
					delete(m, "id")
				}
			}
		}},
}

// TestUpdateBodyIsPlannedAfter: for every kind, the document an update
// sends is the plan's `after` (the declared spec merged over live, as the
// user reviewed it), driven through plan and apply against the simulator.
func TestUpdateBodyIsPlannedAfter(t *testing.T) {
	t.Parallel()
	cat := steps.Builtin()
	for _, k := range cat.Kinds() {
		if _, table := steps.TableOf(k); table {
			// Table kinds: TestTableKindsAgainstSim (steps) records the
			// PUT of each one's update at 1.3-rev1 and 1.3-rev2.
			continue
		}
		if _, ok := updateCases[k.Name]; !ok && k.Name != "vbr.recovery_token" {
			// The recovery token's update is a rename that sends no document.
			t.Errorf("kind %s has no update case: add one to updateCases", k.Name)
		}
	}
	for name, tc := range updateCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s, err := sim.New(sim.WithSessionDuration(time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(s.CertPEM())
			rec := &recorder{base: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
			env := s.Env()
			e := engine.New(engine.Config{
				Catalog:   cat,
				Connector: engine.ClientConnector{Base: veeam.Config{HTTPClient: &http.Client{Transport: rec}}},
				Env:       env,
				Secret:    func(name string) (string, error) { return env[name], nil },
			})
			defer e.Close(ctx)
			load := func(desc string) *playbook.Playbook {
				src := `vplay: 1
name: update-body
targets:
  vbr: { type: vbr, url: "${{ env.VBR_URL }}", username: "${{ env.VBR_USERNAME }}", password: "${{ secret('VBR_PASSWORD') }}", api_version: 1.3-rev0, tls: { fingerprint: "${{ env.VBR_FINGERPRINT }}" } }
data:
  linux: { query: vbr.managed_servers, where: name == "linux01.tech.local", one: true }
resources:` + strings.ReplaceAll(tc.resource, "DESC", desc) + "\n"
				pb, diags := playbook.Load(fstest.MapFS{"p.yaml": {Data: []byte(src)}}, "p.yaml", cat, playbook.Options{})
				if diags.HasErrors() {
					t.Fatalf("load: %v", diags)
				}
				return pb
			}
			apply := func(pb *playbook.Playbook) *engine.Plan {
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
			apply(load("created"))
			rec.reset()
			p := apply(load("updated by vplay"))
			var updates []engine.Change
			for _, c := range p.Changes {
				if c.Action == engine.Update {
					updates = append(updates, c)
				}
			}
			puts := rec.puts(tc.put)
			if len(updates) != 1 || len(puts) != 1 {
				t.Fatalf("%d updates planned, %d PUTs to %s sent; want 1 and 1", len(updates), len(puts), tc.put)
			}
			after, body := updates[0].After, puts[0].body
			if tc.resolved != nil {
				tc.resolved(body)
			}
			if after["description"] != "updated by vplay" {
				t.Errorf("planned after description = %v", after["description"])
			}
			if diff := cmp.Diff(normalizeNumbers(after), normalizeNumbers(body)); diff != "" {
				t.Errorf("plan after (-) and the body apply sent (+) differ:\n%s", diff)
			}
		})
	}
}

// normalizeNumbers rewrites every number as its JSON text, so 4 and
// json.Number("4") compare equal.
func normalizeNumbers(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return string(b)
	}
	return out
}
