package steps

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// simJobID returns the id of the simulator's job called name.
func simJobID(t *testing.T, s *simEnv, name string) string {
	t.Helper()
	items, err := vbrJobs().Fetch(testCtx(t), s.vbr, Doc{"name": name})
	if err != nil || len(items) != 1 {
		t.Fatalf("find job %q: %v %v", name, items, err)
	}
	return scalarString(items[0]["id"])
}

func countPosts(s *simEnv, suffix string) int {
	n := 0
	for _, r := range s.srv.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// TestJobActionsLostAnswers: an answer lost after the server acted is
// never followed by a second POST. A start awaits the session the job
// started; a start the server never received fails saying it was not
// retried; a stop awaits the job's session that still runs.
func TestJobActionsLostAnswers(t *testing.T) {
	t.Parallel()

	t.Run("start acted, answer dropped", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t) // one deadline per subtest: they run in parallel
		s := startSim(t)
		s.srv.AddFault(sim.FaultRule{API: "vbr", Method: http.MethodPost, Path: "/api/v1/jobs/*/start", Times: 1, Act: true, Drop: true})
		res, err := vbrJobStart().Ops.Run(ctx, s.vbr, s.env, Doc{"job": "Backup Job 1"})
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		if got := countPosts(s, "/start"); got != 1 {
			t.Errorf("POST .../start sent %d times, want 1", got)
		}
		if res["result"] != "Success" || len(asList(res["log"])) == 0 || res["job"] != "Backup Job 1" {
			t.Errorf("result = %v, want the job's session, Success, with log lines", res)
		}
	})

	t.Run("start never reached the server", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t) // one deadline per subtest: they run in parallel
		s := startSim(t)
		s.srv.AddFault(sim.FaultRule{API: "vbr", Method: http.MethodPost, Path: "/api/v1/jobs/*/start", Times: 1, Drop: true})
		_, err := vbrJobStart().Ops.Run(ctx, s.vbr, s.env, Doc{"job": "Backup Job 1"})
		if !errors.Is(err, veeam.ErrUncertain) || !strings.Contains(err.Error(), "no session of the job started, not retried") {
			t.Errorf("err = %v, want ErrUncertain saying no session started and not retried", err)
		}
		if got := countPosts(s, "/start"); got != 1 {
			t.Errorf("POST .../start sent %d times, want 1", got)
		}
	})

	t.Run("stop acted, answer dropped", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		s := startSim(t, sim.WithSessionDuration(5*time.Second))
		id := simJobID(t, s, "Backup Job 2")
		if _, err := s.vbr.VBR.Post(ctx, "/api/v1/jobs/"+id+"/start", nil, Doc{"performActiveFull": false}); err != nil {
			t.Fatal(err)
		}
		p, err := vbrJobStop().Ops.Preview(ctx, s.vbr, Doc{"job": id})
		if err != nil || p.Skip {
			t.Fatalf("preview of a stop of a running job = %+v, %v; want it to run", p, err)
		}
		s.srv.AddFault(sim.FaultRule{API: "vbr", Method: http.MethodPost, Path: "/api/v1/jobs/*/stop", Times: 1, Act: true, Drop: true})
		res, err := vbrJobStop().Ops.Run(ctx, s.vbr, s.env, Doc{"job": id})
		if err != nil {
			t.Fatalf("stop: %v", err)
		}
		if got := countPosts(s, "/stop"); got != 1 {
			t.Errorf("POST .../stop sent %d times, want 1", got)
		}
		p, err = vbrJobStop().Ops.Preview(ctx, s.vbr, Doc{"job": id})
		if err != nil || !p.Skip {
			t.Errorf("preview after the stop = %+v, %v; want skipped, not running (result %v)", p, err, res)
		}
	})
}

// TestObjectActionBodies: the request body is the vendor request model of
// the revision spoken: the vendor fields the with block gives, the required
// ones vplay fills, nothing else; a with key the revision does not accept
// (a templated with block, unchecked at load) is refused, not dropped.
func TestObjectActionBodies(t *testing.T) {
	t.Parallel()
	op := func(a *Action) objectAction { return a.Ops.(objectAction) }
	tests := map[string]struct {
		a         objectAction
		rev       string
		with, obj Doc
		want      any
		wantErr   string
	}{
		"start defaults performActiveFull": {a: op(vbrJobStart()), rev: "1.3-rev1", with: Doc{"job": "j"},
			want: Doc{"performActiveFull": false}},
		"start sends what the revision has": {a: op(vbrJobStart()), rev: "1.3-rev0",
			with: Doc{"job": "j", "performActiveFull": true, "syncRestorePoints": "Latest"},
			want: Doc{"performActiveFull": true, "syncRestorePoints": "Latest"}},
		"start refuses a field of later revisions": {a: op(vbrJobStart()), rev: "1.2-rev1",
			with: Doc{"job": "j", "syncRestorePoints": "Latest"}, wantErr: "with.syncRestorePoints: not an input at VBR REST API 1.2-rev1"},
		"stop defaults gracefulStop": {a: op(vbrJobStop()), rev: "1.3-rev2", with: Doc{"job": "j", "cancelChainedJobs": true},
			want: Doc{"gracefulStop": true, "cancelChainedJobs": true}},
		"stop speaks the 1.1-rev0 spelling": {a: op(vbrJobStop()), rev: "1.2-rev0", with: Doc{"job": "j"},
			want: Doc{"gracefullStop": true}},
		"retry sends an empty model": {a: op(vbrJobRetry()), rev: "1.3-rev0", with: Doc{"job": "j"}, want: Doc{}},
		"encryption password keeps its hint": {a: op(vbrEncryptionPasswordChangePassword()), rev: "1.3-rev1",
			with: Doc{"encryptionPassword": "k", "password": "p"}, obj: Doc{"hint": "2026 key"},
			want: Doc{"hint": "2026 key", "password": "p"}},
		"encryption password with a new hint": {a: op(vbrEncryptionPasswordChangePassword()), rev: "1.3-rev1",
			with: Doc{"encryptionPassword": "k", "password": "p", "newHint": "2027 key"}, obj: Doc{"hint": "2026 key"},
			want: Doc{"hint": "2027 key", "password": "p"}},
		"rescan has no body": {a: op(vbrManagedServerRescan()), rev: "1.3-rev1", with: Doc{"managedServer": "m"}, want: nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.a.body(tc.rev, tc.with, tc.obj)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("body(%s, %v) error = %v, want %q", tc.rev, tc.with, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("body(%s, %v): %v", tc.rev, tc.with, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("body(%s, %v) -want +got:\n%s", tc.rev, tc.with, diff)
			}
		})
	}
}

// TestCollectionQueriesAgainstSim fetches every VBR data query at every
// revision whose document defines it, against the simulator: each names a
// real vendor collection of that revision, pushes its parameters down as
// documented filters, and the exact-name filter keeps what it names.
func TestCollectionQueriesAgainstSim(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	e := s.srv.Env()
	ctx := testCtx(t)
	for _, rev := range []string{"1.1-rev0", "1.2-rev1", "1.3-rev0", "1.3-rev1", "1.3-rev2"} {
		cl, err := vbr.New(veeam.Config{URL: e["VBR_URL"], Username: e["VBR_USERNAME"], Password: e["VBR_PASSWORD"],
			TLS: veeam.TLS{Fingerprint: e["VBR_FINGERPRINT"]}, APIVersion: rev})
		if err != nil {
			t.Fatal(err)
		}
		conn := &Conn{Target: "vbr", API: veeam.VBR, VBR: cl}
		for _, q := range Builtin().Queries() {
			if q.API != veeam.VBR || Defined(q.Name, rev) != nil || q.Name == "vbr.discovered_entities" {
				continue
			}
			items, err := q.Fetch(ctx, conn, Doc{})
			if err != nil {
				t.Errorf("%s at %s: %v", q.Name, rev, err)
				continue
			}
			if _, named := q.Schema["properties"].(map[string]any)["name"]; !named || len(items) == 0 {
				continue
			}
			field := "name"
			if q.Name == "vbr.credentials" {
				field = "username"
			}
			want := str(items[0], field)
			if want == "" {
				continue
			}
			got, err := q.Fetch(ctx, conn, Doc{"name": want})
			if err != nil || len(got) == 0 {
				t.Errorf("%s at %s with name %q: %d items, %v", q.Name, rev, want, len(got), err)
			}
			for _, d := range got {
				if str(d, field) != want && q.Name != "vbr.cloud_credentials" && q.Name != "vbr.unstructured_data_servers" {
					t.Errorf("%s at %s with name %q kept %q", q.Name, rev, want, str(d, field))
				}
			}
		}
	}
}
