package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestProject(t *testing.T) {
	t.Parallel()
	// A vendor-shaped spec: a base with a discriminator, per-type
	// branches (oneOf and if/then), a readOnly field, a default and an
	// open object.
	schema := decode(t, `{
	  "type": "object", "additionalProperties": false,
	  "required": ["type"],
	  "properties": {
	    "type": {"type": "string", "enum": ["A", "B"]},
	    "description": {"type": "string"},
	    "usn": {"type": "integer", "readOnly": true},
	    "retries": {"type": "integer", "default": 3},
	    "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}},
	    "extra": {"type": "object"}
	  },
	  "oneOf": [
	    {"properties": {"type": {"const": "A"}, "aOnly": {"type": "string"}}},
	    {"properties": {"type": {"const": "B"}, "bOnly": {"type": "string"}}}
	  ],
	  "if": {"properties": {"type": {"const": "A"}}, "required": ["type"]},
	  "then": {"properties": {"aThen": {"type": "boolean"}}},
	  "else": {"properties": {"bElse": {"type": "boolean"}}},
	  "$defs": {"Tag": {"type": "object", "properties": {"name": {"type": "string"}, "id": {"type": "string", "readOnly": true}}}}
	}`)
	tests := map[string]struct {
		live, want string
	}{
		"server fields dropped": {
			live: `{"type": "A", "id": "x", "usn": 7, "status": "Ready", "description": "d"}`,
			want: `{"type": "A", "description": "d"}`,
		},
		"documented default dropped, other values kept": {
			live: `{"type": "A", "retries": 3}`,
			want: `{"type": "A"}`,
		},
		"non-default kept": {
			live: `{"type": "A", "retries": 5}`,
			want: `{"type": "A", "retries": 5}`,
		},
		"branch of the discriminator": {
			live: `{"type": "A", "aOnly": "1", "bOnly": "2", "aThen": true, "bElse": true}`,
			want: `{"type": "A", "aOnly": "1", "aThen": true}`,
		},
		"other branch": {
			live: `{"type": "B", "aOnly": "1", "bOnly": "2", "aThen": true, "bElse": false}`,
			want: `{"type": "B", "bOnly": "2", "bElse": false}`,
		},
		"list items through $ref": {
			live: `{"type": "A", "tags": [{"name": "t1", "id": "1"}, {"name": "t2", "id": "2"}]}`,
			want: `{"type": "A", "tags": [{"name": "t1"}, {"name": "t2"}]}`,
		},
		"open object kept whole, empty object dropped": {
			live: `{"type": "A", "extra": {"k": {"deep": 1}}}`,
			want: `{"type": "A", "extra": {"k": {"deep": 1}}}`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := Project(schema, decode(t, tc.live))
			if diff := cmp.Diff(decode(t, tc.want), got); diff != "" {
				t.Errorf("Project(%s) mismatch (-want +got):\n%s", tc.live, diff)
			}
		})
	}
}

// fakeOps lists fixed objects; every write fails the test.
type fakeOps struct {
	t    *testing.T
	objs []steps.Object
}

func (f fakeOps) List(context.Context, *steps.Conn) ([]steps.Object, error) { return f.objs, nil }
func (f fakeOps) Create(context.Context, *steps.Conn, steps.Env, string, steps.Doc) (steps.Object, error) {
	f.t.Error("import created an object")
	return steps.Object{}, errors.New("no")
}
func (f fakeOps) Update(context.Context, *steps.Conn, steps.Env, steps.Object, steps.Doc) (steps.Object, error) {
	f.t.Error("import updated an object")
	return steps.Object{}, errors.New("no")
}
func (f fakeOps) Delete(context.Context, *steps.Conn, steps.Env, steps.Object, steps.Doc) error {
	f.t.Error("import deleted an object")
	return errors.New("no")
}

func obj(t *testing.T, id, name, doc string) steps.Object {
	d := decode(t, doc)
	d["id"], d["name"] = id, name
	return steps.Object{ID: id, Name: name, Doc: d}
}

// testCatalog has a credential kind (write-only password), a server kind
// referring to credentials, and a query listing hosts.
func testCatalog(t *testing.T) *steps.Catalog {
	open := map[string]any{"type": "object", "properties": map[string]any{
		"username": map[string]any{"type": "string"}, "password": map[string]any{"type": "string"},
		"description": map[string]any{"type": "string"}, "credentialsId": map[string]any{"type": "string"},
		"hostId": map[string]any{"type": "string"},
	}}
	creds := &steps.Kind{
		Meta:     steps.Meta{Name: "vbr.credential", API: veeam.VBR, Schema: open},
		ReadOnly: []string{"id"},
		Ops: fakeOps{t, []steps.Object{
			obj(t, "C1", "admin", `{"username": "root", "description": "Admin"}`),
			obj(t, "C2", "svc", `{"username": "svc"}`),
		}},
		Import: steps.ImportRules{WriteOnly: []string{"password"}},
	}
	servers := &steps.Kind{
		Meta:     steps.Meta{Name: "vbr.managed_server", API: veeam.VBR, Schema: open},
		ReadOnly: []string{"id"},
		Ops: fakeOps{t, []steps.Object{
			obj(t, "S2", "zeta", `{"credentialsId": "c2", "hostId": "H1"}`),
			obj(t, "S1", "alpha", `{"credentialsId": "C1", "hostId": "H9", "description": "${{ not a template }}"}`),
		}},
		Import: steps.ImportRules{Refs: map[string]steps.Ref{
			"credentialsId": {Kind: "vbr.credential", Query: "vbr.credentials"},
			"hostId":        {Kind: "vbr.host", Query: "vbr.hosts"},
		}},
	}
	hosts := &steps.Query{Meta: steps.Meta{Name: "vbr.hosts", API: veeam.VBR},
		Fetch: func(context.Context, *steps.Conn, steps.Doc) ([]steps.Doc, error) {
			return []steps.Doc{{"id": "H1", "name": "esx-01.lab"}}, nil
		}}
	return steps.NewCatalog([]*steps.Kind{creds, servers}, nil, []*steps.Query{hosts})
}

func TestImportReferencesAndSecrets(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t)
	tests := map[string]struct {
		opt  Options
		want *Playbook
	}{
		"both kinds: references between imported objects, unknown ids kept": {
			opt: Options{API: veeam.VBR},
			want: &Playbook{API: veeam.VBR, Target: "vbr", Kinds: []string{"vbr.credential", "vbr.managed_server"},
				Data: []DataEntry{{Key: "hosts_esx_01_lab", Query: "vbr.hosts", Field: "name", Name: "esx-01.lab"}},
				Resources: []Resource{
					{Kind: "vbr.credential", Name: "admin", Spec: steps.Doc{"username": "root", "description": "Admin",
						"password": "${{ secret('VBR_CREDENTIAL_ADMIN_PASSWORD') }}"},
						Notes: []string{"password is write-only (the server never returns it): export VBR_CREDENTIAL_ADMIN_PASSWORD"}},
					{Kind: "vbr.credential", Name: "svc", Spec: steps.Doc{"username": "svc",
						"password": "${{ secret('VBR_CREDENTIAL_SVC_PASSWORD') }}"},
						Notes: []string{"password is write-only (the server never returns it): export VBR_CREDENTIAL_SVC_PASSWORD"}},
					{Kind: "vbr.managed_server", Name: "alpha", Spec: steps.Doc{"description": "${{ not a template }}",
						"credentialsId": "${{ resources['vbr.credential']['admin'].id }}", "hostId": "H9"}},
					{Kind: "vbr.managed_server", Name: "zeta", Spec: steps.Doc{
						"credentialsId": "${{ resources['vbr.credential']['svc'].id }}", "hostId": "${{ data.hosts_esx_01_lab.id }}"}},
				},
				Secrets: []string{"VBR_CREDENTIAL_ADMIN_PASSWORD", "VBR_CREDENTIAL_SVC_PASSWORD", "VBR_PASSWORD"},
			},
		},
		"one kind and a name glob: the credential is not imported, so no reference to it": {
			opt: Options{API: veeam.VBR, Kinds: []string{"vbr.managed_server"}, Name: "z*"},
			want: &Playbook{API: veeam.VBR, Target: "vbr", Kinds: []string{"vbr.managed_server"},
				Data: []DataEntry{{Key: "hosts_esx_01_lab", Query: "vbr.hosts", Field: "name", Name: "esx-01.lab"}},
				Resources: []Resource{
					{Kind: "vbr.managed_server", Name: "zeta", Spec: steps.Doc{"credentialsId": "c2", "hostId": "${{ data.hosts_esx_01_lab.id }}"}},
				},
				Secrets: []string{"VBR_PASSWORD"},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := Import(context.Background(), cat, &steps.Conn{Target: "vbr", API: veeam.VBR}, tc.opt)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Import(%+v) mismatch (-want +got):\n%s", tc.opt, diff)
			}
		})
	}
}

func TestImportUnknownKind(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t)
	for _, opt := range []Options{
		{API: veeam.VBR, Kinds: []string{"vbr.nope"}},
		{API: veeam.EM, Kinds: []string{"vbr.credential"}},
	} {
		_, err := Import(context.Background(), cat, &steps.Conn{}, opt)
		if !errors.Is(err, ErrUnknownKind) {
			t.Errorf("Import(%+v) = %v, want ErrUnknownKind", opt, err)
		}
	}
}

// TestWriteReadsBack writes awkward live strings and checks that the
// playbook loader reads the same values back.
func TestWriteReadsBack(t *testing.T) {
	t.Parallel()
	awkward := []string{"yes", "no", "null", "1.5", "0x1F", "2030-01-01", "a: b", "#x", "x #y", "- a", "trail ",
		"tab\there", "quote\"s", `back\slash`, "${{ env.HOME }}", "x ${{ 1 }} y", "line\nbreak", "ünïcode", "@at", "*star", "&amp", "!tag", "%p", "{a}", "[b]", "a,b", "'q'"}
	var res []Resource
	for i, s := range awkward {
		res = append(res, Resource{Kind: "vbr.recovery_token", Name: "t" + string(rune('a'+i)),
			Spec: steps.Doc{"backups": []any{s}, "expirationDate": "2030-01-01T00:00:00Z"}})
	}
	pb := &Playbook{API: veeam.VBR, Target: "vbr", APIVersion: "1.3-rev2", Kinds: []string{"vbr.recovery_token"},
		Resources: res, Secrets: []string{"VBR_PASSWORD"}}
	var b bytes.Buffer
	if err := Write(&b, pb, WriteOptions{Fingerprint: true}); err != nil {
		t.Fatal(err)
	}
	loaded, ds := playbook.Parse("imported.yaml", b.Bytes(), steps.Builtin(), playbook.Options{})
	if ds.HasErrors() {
		t.Fatalf("the written playbook does not load: %v\n%s", ds.Err(), b.String())
	}
	if len(loaded.Resources) != len(awkward) {
		t.Fatalf("loaded %d resources, want %d", len(loaded.Resources), len(awkward))
	}
	for i, r := range loaded.Resources {
		v, err := r.Spec.Eval(&eval.Scope{})
		if err != nil {
			t.Fatalf("resource %d: %v", i, err)
		}
		got := v.(map[string]any)["backups"].([]any)[0]
		if got != awkward[i] {
			t.Errorf("resource %d: read back %q, want %q", i, got, awkward[i])
		}
	}
}
