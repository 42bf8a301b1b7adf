package steps

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/openapi"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// TestActionVendorBody: an object action is marked vendorBody exactly when
// some revision's document gives its operation a request body, so no
// vendor field is missed and no action claims a body the vendor lacks.
func TestActionVendorBody(t *testing.T) {
	t.Parallel()
	for _, a := range Builtin().Actions() {
		oa, ok := a.Ops.(objectAction)
		if !ok {
			continue
		}
		body := false
		for _, rev := range openapi.Revisions {
			if oa.requestAt(rev) != "" {
				body = true
			}
		}
		if body != oa.vendorBody {
			t.Errorf("%s: vendorBody = %v, the documents give %s a request body: %v", a.Name, oa.vendorBody, oa.vendorOp(), body)
		}
		if oa.vendorBody != (a.SchemaAt != nil) {
			t.Errorf("%s: vendorBody %v but SchemaAt set %v", a.Name, oa.vendorBody, a.SchemaAt != nil)
		}
	}
}

// TestActionInputsPerRevision: the with block of an action is checked
// against the vendor request model of the target's revision: fields,
// enums and required fields come from that revision's document.
func TestActionInputsPerRevision(t *testing.T) {
	t.Parallel()
	cat := Builtin()
	tests := map[string]struct {
		action, rev, with string
		ok                bool
	}{
		"syncRestorePoints from 1.3-rev0":           {"vbr.job.start", "1.3-rev0", `{job: j, syncRestorePoints: Latest}`, true},
		"syncRestorePoints unknown in 1.2-rev1":     {"vbr.job.start", "1.2-rev1", `{job: j, syncRestorePoints: Latest}`, false},
		"syncRestorePoints enum from the vendor":    {"vbr.job.start", "1.3-rev2", `{job: j, syncRestorePoints: Newest}`, false},
		"performActiveFull filled by vplay":         {"vbr.job.start", "1.1-rev0", `{job: j}`, true},
		"performActiveFull typed by the vendor":     {"vbr.job.start", "1.3-rev1", `{job: j, performActiveFull: "yes"}`, false},
		"cancelChainedJobs unknown in 1.2-rev1":     {"vbr.job.stop", "1.2-rev1", `{job: j, cancelChainedJobs: true}`, false},
		"gracefullStop is 1.1-rev0's spelling":      {"vbr.job.stop", "1.1-rev0", `{job: j, gracefullStop: false}`, true},
		"gracefulStop unknown in 1.1-rev0":          {"vbr.job.stop", "1.1-rev0", `{job: j, gracefulStop: false}`, false},
		"gracefulStop from 1.2-rev1":                {"vbr.job.stop", "1.2-rev1", `{job: j, gracefulStop: false}`, true},
		"retry takes startChainedJobs":              {"vbr.job.retry", "1.3-rev0", `{job: j, startChainedJobs: true}`, true},
		"formatType Pfx from 1.3-rev1":              {"vbr.kms_server.change_certificate", "1.3-rev1", `{kmsServer: k, type: Client, certificate: {certificate: x, formatType: Pfx}}`, true},
		"formatType is lower case in 1.2-rev1":      {"vbr.kms_server.change_certificate", "1.2-rev1", `{kmsServer: k, type: Client, certificate: {certificate: x, formatType: Pfx}}`, false},
		"formatType pfx in 1.2-rev1":                {"vbr.kms_server.change_certificate", "1.2-rev1", `{kmsServer: k, type: Client, certificate: {certificate: x, formatType: pfx}}`, true},
		"certificate required by the vendor":        {"vbr.kms_server.change_certificate", "1.3-rev2", `{kmsServer: k, type: Client}`, false},
		"certificate closed":                        {"vbr.kms_server.change_certificate", "1.3-rev2", `{kmsServer: k, type: Client, certificate: {certificate: x, formatType: Pem, pin: 1}}`, false},
		"newHint is the vendor hint, optional":      {"vbr.encryption_password.change_password", "1.3-rev2", `{encryptionPassword: k, password: p}`, true},
		"the vendor name hint is not an input":      {"vbr.encryption_password.change_password", "1.3-rev2", `{encryptionPassword: k, password: p, hint: h}`, false},
		"password required by the vendor":           {"vbr.credential.change_password", "1.3-rev2", `{credential: root}`, false},
		"the object is required":                    {"vbr.credential.change_password", "1.3-rev2", `{password: p}`, false},
		"password may not be empty (vplay)":         {"vbr.credential.change_password", "1.1-rev0", `{credential: root, password: ""}`, false},
		"an action without a body takes the object": {"vbr.job.enable", "", `{job: j}`, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a, ok := cat.Action(tc.action)
			if !ok {
				t.Fatalf("no action %s", tc.action)
			}
			s := a.JSONSchema()
			if tc.rev != "" {
				s = a.SchemaAt(tc.rev)
			}
			var w any
			if err := yaml.Unmarshal([]byte(tc.with), &w); err != nil {
				t.Fatal(err)
			}
			err := compileSchema(t, tc.action, s).Validate(asJSON(t, w))
			if (err == nil) != tc.ok {
				t.Errorf("%s at %s: with %s: valid = %v, want %v (%v)", tc.action, tc.rev, tc.with, err == nil, tc.ok, err)
			}
		})
	}
}

// TestActionInputsAnyRevision: without a revision, the with schema accepts
// what some revision that defines the action accepts, and nothing else.
func TestActionInputsAnyRevision(t *testing.T) {
	t.Parallel()
	a, _ := Builtin().Action("vbr.job.stop")
	sch := compileSchema(t, a.Name, a.JSONSchema())
	for with, ok := range map[string]bool{
		`{job: j, gracefullStop: true}`:                          true,  // 1.1-rev0
		`{job: j, gracefulStop: true, cancelChainedJobs: true}`:  true,  // 1.3-rev0 and later
		`{job: j, gracefullStop: true, cancelChainedJobs: true}`: false, // no revision has both
		`{job: j, gracefulStop: "no"}`:                           false,
	} {
		var w any
		if err := yaml.Unmarshal([]byte(with), &w); err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(asJSON(t, w)); (err == nil) != ok {
			t.Errorf("with %s: valid = %v, want %v (%v)", with, err == nil, ok, err)
		}
	}
}

// TestHandWrittenActionInputs: the actions whose with blocks stay written
// by hand take the vendor body's only field as names vplay resolves to ids
// (or the ids themselves). Should a revision add a field to one of these
// request models, this fails: its with block must then follow the vendor
// (as the object actions' do).
func TestHandWrittenActionInputs(t *testing.T) {
	t.Parallel()
	want := map[string][]string{ // action -> the only fields of its vendor request model
		"vbr.repository.rescan":                             {"repositoryIds"},
		"vbr.scale_out_repository.enable_sealed_mode":       {"repositoryIds"},
		"vbr.scale_out_repository.disable_sealed_mode":      {"repositoryIds"},
		"vbr.scale_out_repository.enable_maintenance_mode":  {"repositoryIds"},
		"vbr.scale_out_repository.disable_maintenance_mode": {"repositoryIds"},
		"vbr.discovered_entity.rescan":                      {"entityIds"},
		"vbr.discovered_entity.install_agent":               {"entityIds"},
		"vbr.discovered_entity.uninstall_agent":             {"entityIds"},
		"vbr.discovered_entity.uninstall_all_components":    {"entityIds"},
		"vbr.discovered_entity.remove":                      nil, // DELETE, no body
		"vbr.session.stop":                                  nil,
	}
	for name, fields := range want {
		op := vendorOperations[name][0]
		for _, rev := range openapi.Revisions {
			o, ok, err := openapi.FullOperation(rev, op)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				continue
			}
			var got []string
			if o.Request != "" {
				if got, err = requestFields(rev, o.Request); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(got, fields) {
				t.Errorf("%s at %s: %s takes %v, the hand-written with block expects %v", name, rev, op, got, fields)
			}
		}
	}
}

// TestJobStartStopEveryRevision runs a job start and a graceful stop
// against the simulator at every revision that defines them: the bodies
// are each revision's JobStartSpec and JobStopSpec (the simulator checks
// them against the revision's schemas; 1.1-rev0 requires gracefullStop).
func TestJobStartStopEveryRevision(t *testing.T) {
	t.Parallel()
	for _, rev := range openapi.Revisions {
		if Defined("vbr.job.stop", rev) != nil {
			continue
		}
		t.Run(rev, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			s := startSim(t, sim.WithSessionDuration(5*time.Second))
			e := s.srv.Env()
			cl, err := vbr.New(veeam.Config{URL: e["VBR_URL"], Username: e["VBR_USERNAME"], Password: e["VBR_PASSWORD"],
				TLS: veeam.TLS{Fingerprint: e["VBR_FINGERPRINT"]}, APIVersion: rev})
			if err != nil {
				t.Fatal(err)
			}
			c := &Conn{Target: "vbr", API: veeam.VBR, VBR: cl}
			jobs, err := vbrJobs().Fetch(ctx, c, Doc{"name": "Backup Job 2"})
			if err != nil || len(jobs) != 1 {
				t.Fatalf("find the job at %s: %v %v", rev, jobs, err)
			}
			id := scalarString(jobs[0]["id"])
			start := vbrJobStart().Ops.(objectAction)
			body, err := start.body(rev, Doc{"job": id}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cl.Post(ctx, "/api/v1/jobs/"+id+"/start", nil, body); err != nil {
				t.Fatalf("start at %s with %v: %v", rev, body, err)
			}
			if _, err := vbrJobStop().Ops.Run(ctx, c, s.env, Doc{"job": id}); err != nil {
				t.Fatalf("stop at %s: %v", rev, err)
			}
			if got := countPosts(s, "/stop"); got != 1 {
				t.Errorf("POST .../stop sent %d times, want 1", got)
			}
		})
	}
}

// TestPreviewRefusesInputsOfOtherRevisions: a with block known only at
// plan time (a template, unchecked at load) with a field the negotiated
// revision does not accept fails the plan's preview, before any write.
func TestPreviewRefusesInputsOfOtherRevisions(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	s := startSim(t)
	e := s.srv.Env()
	cl, err := vbr.New(veeam.Config{URL: e["VBR_URL"], Username: e["VBR_USERNAME"], Password: e["VBR_PASSWORD"],
		TLS: veeam.TLS{Fingerprint: e["VBR_FINGERPRINT"]}, APIVersion: "1.2-rev1"})
	if err != nil {
		t.Fatal(err)
	}
	c := &Conn{Target: "vbr", API: veeam.VBR, VBR: cl}
	_, err = vbrJobStart().Ops.Preview(ctx, c, Doc{"job": "Backup Job 1", "syncRestorePoints": "Latest"})
	if err == nil || !strings.Contains(err.Error(), "with.syncRestorePoints: not an input at VBR REST API 1.2-rev1") {
		t.Fatalf("preview = %v, want with.syncRestorePoints refused at 1.2-rev1", err)
	}
	if p, err := vbrJobStart().Ops.Preview(ctx, c, Doc{"job": "Backup Job 1", "startChainedJobs": true}); err != nil || p.Skip {
		t.Errorf("preview of a with block 1.2-rev1 accepts = %+v, %v", p, err)
	}
	if got := countPosts(s, "/start"); got != 0 {
		t.Errorf("a preview sent %d POSTs", got)
	}
}
