package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// bridgeCatalog has three table-like kinds: credentials (a write-only
// password the server may echo, two records named admin), managed servers
// referring to credentials (a create-only required sshFingerprint), and a
// settings singleton holding an id of a managed server.
func bridgeCatalog(t *testing.T) (*steps.Catalog, func(*steps.Kind) (tableRules, bool)) {
	credSchema := decode(t, `{"type": "object", "additionalProperties": false,
	  "properties": {"type": {"type": "string", "enum": ["Standard", "Linux"]}, "description": {"type": "string"},
	    "password": {"type": "string"}, "privateKey": {"type": "string"}},
	  "required": ["type"],
	  "oneOf": [
	    {"properties": {"type": {"const": "Standard"}}, "required": ["password"]},
	    {"properties": {"type": {"const": "Linux"}}}
	  ]}`)
	serverSchema := decode(t, `{"type": "object", "additionalProperties": false,
	  "properties": {"type": {"type": "string"}, "credentialsId": {"type": "string"}, "credentials": {"type": "string"},
	    "sshFingerprint": {"type": "string"}},
	  "required": ["type", "sshFingerprint"]}`)
	settingsSchema := decode(t, `{"type": "object", "properties": {"serverId": {"type": "string"}, "otherId": {"type": "string"}}}`)
	creds := &steps.Kind{
		Meta:     steps.Meta{Name: "vbr.credential", API: veeam.VBR, Schema: credSchema},
		ReadOnly: []string{"id"},
		Ops: fakeOps{t, []steps.Object{
			// The server echoes a secret it should not: import never writes it.
			obj(t, "C1", "admin", `{"type": "Standard", "description": "first", "password": "hunter2"}`),
			obj(t, "C2", "admin", `{"type": "Standard", "description": "second record"}`),
			obj(t, "C3", "root", `{"type": "Linux"}`),
		}},
	}
	servers := &steps.Kind{
		Meta:     steps.Meta{Name: "vbr.managed_server", API: veeam.VBR, Schema: serverSchema},
		ReadOnly: []string{"id"},
		Ops: fakeOps{t, []steps.Object{
			// linux01 as the table kinds list it: the alias added next to the id.
			obj(t, "S1", "linux01", `{"type": "Linux", "credentialsId": "C3", "credentials": "root"}`),
			obj(t, "S2", "win01", `{"type": "Windows", "credentialsId": "c1", "credentials": "admin"}`),
			obj(t, "S3", "win02", `{"type": "Windows", "credentialsId": "C2", "credentials": "admin"}`),
		}},
	}
	settings := &steps.Kind{
		Meta: steps.Meta{Name: "vbr.settings", API: veeam.VBR, Schema: settingsSchema},
		Ops:  fakeOps{t, []steps.Object{{Name: "default", Doc: steps.Doc{"serverId": "S1", "otherId": "X9"}}}},
	}
	tables := func(k *steps.Kind) (tableRules, bool) {
		switch k.Name {
		case "vbr.credential":
			return tableRules{table: steps.Table{Path: "/api/v1/credentials", Identity: "username", SpecIdentity: "username"},
				secrets: []string{"password", "privateKey"}}, true
		case "vbr.managed_server":
			return tableRules{table: steps.Table{Path: "/api/v1/managedServers", Identity: "name", SpecIdentity: "name",
				Refs: []steps.TableRef{{IDField: "credentialsId", Alias: "credentials", Kind: "vbr.credential"}}}}, true
		case "vbr.settings":
			return tableRules{table: steps.Table{Path: "/api/v1/settings", Singleton: true}}, true
		}
		return tableRules{}, false
	}
	return steps.NewCatalog([]*steps.Kind{creds, servers, settings}, nil, nil), tables
}

func TestImportTableBridge(t *testing.T) {
	t.Parallel()
	cat, tables := bridgeCatalog(t)
	got, err := importWith(context.Background(), cat, &steps.Conn{Target: "vbr", API: veeam.VBR}, Options{API: veeam.VBR}, tables)
	if err != nil {
		t.Fatalf("importWith: %v", err)
	}
	skipped := `vbr.credential "admin": another vbr.credential object has the same name and is not imported (description "second record"); ` +
		"a playbook names each object once: give it a name of its own on the server to manage it here"
	want := &Playbook{API: veeam.VBR, Target: "vbr", Kinds: []string{"vbr.credential", "vbr.managed_server", "vbr.settings"},
		Resources: []Resource{
			// Duplicate: the first record is written, the second noted;
			// write-only secret: a secret() reference, the echoed value
			// dropped.
			{Kind: "vbr.credential", Name: "admin", Spec: steps.Doc{"type": "Standard", "description": "first",
				"password": "${{ secret('VBR_CREDENTIAL_ADMIN_PASSWORD') }}"},
				Notes: []string{skipped,
					"password is required on create and write-only (the server never returns it): export VBR_CREDENTIAL_ADMIN_PASSWORD",
					"write-only, not imported: privateKey; add it as a secret('...') reference if this object uses it"}},
			// An optional password the variant declares: a secret() too.
			{Kind: "vbr.credential", Name: "root", Spec: steps.Doc{"type": "Linux",
				"password": "${{ secret('VBR_CREDENTIAL_ROOT_PASSWORD') }}"},
				Notes: []string{"password is write-only (the server never returns it): export VBR_CREDENTIAL_ROOT_PASSWORD",
					"write-only, not imported: privateKey; add it as a secret('...') reference if this object uses it"}},
			// Reference to a uniquely named object: its alias and name;
			// required create-only field: a noted placeholder.
			{Kind: "vbr.managed_server", Name: "linux01", Spec: steps.Doc{"type": "Linux", "credentials": "root",
				"sshFingerprint": "FILL-ME"},
				Notes: []string{"sshFingerprint is required on create and the server never returns it: FILL-ME is a placeholder; " +
					"set the real value before creating this object on another server (plan never compares it)"}},
			// Reference to a name two objects share: resources[...] of the
			// one written (ids compare ignoring case).
			{Kind: "vbr.managed_server", Name: "win01", Spec: steps.Doc{"type": "Windows",
				"credentialsId": "${{ resources['vbr.credential']['admin'].id }}", "sshFingerprint": "FILL-ME"},
				Notes: []string{"sshFingerprint is required on create and the server never returns it: FILL-ME is a placeholder; " +
					"set the real value before creating this object on another server (plan never compares it)"}},
			// Reference to the skipped record: the id stays, noted.
			{Kind: "vbr.managed_server", Name: "win02", Spec: steps.Doc{"type": "Windows", "credentialsId": "C2", "sshFingerprint": "FILL-ME"},
				Notes: []string{`credentialsId refers to the vbr.credential "admin" that import skipped (its name is not unique): kept as an id`,
					"sshFingerprint is required on create and the server never returns it: FILL-ME is a placeholder; " +
						"set the real value before creating this object on another server (plan never compares it)"}},
			// Any xxxId holding the id of an imported object: a
			// resources[...] reference; an unknown id stays.
			{Kind: "vbr.settings", Name: "default", Spec: steps.Doc{"serverId": "${{ resources['vbr.managed_server']['linux01'].id }}", "otherId": "X9"}},
		},
		Secrets: []string{"VBR_CREDENTIAL_ADMIN_PASSWORD", "VBR_CREDENTIAL_ROOT_PASSWORD", "VBR_PASSWORD"},
		Skipped: []string{skipped},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("importWith mismatch (-want +got):\n%s", diff)
	}
	var b bytes.Buffer
	if err := Write(&b, got, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "hunter2") {
		t.Errorf("the written playbook shows the secret the server echoed:\n%s", out)
	}
	for _, id := range []string{"C1", "C3", "S1"} {
		if strings.Contains(out, `"`+id+`"`) || strings.Contains(out, " "+id+"\n") {
			t.Errorf("the written playbook shows id %s where a name reference exists:\n%s", id, out)
		}
	}
	if !strings.Contains(out, "  # "+skipped+"\n") {
		t.Errorf("the written playbook lacks the note on the skipped record:\n%s", out)
	}
}

// TestImportOmitsInvalidSpecs: an object whose live document does not fit
// its kind's spec is left out with a note, and references to it fall back
// to the id, so the written playbook validates.
func TestImportOmitsInvalidSpecs(t *testing.T) {
	t.Parallel()
	jobSchema := decode(t, `{"type": "object", "additionalProperties": false, "properties": {
	  "includes": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}}`)
	jobs := &steps.Kind{
		Meta:     steps.Meta{Name: "vbr.job", API: veeam.VBR, Schema: jobSchema},
		ReadOnly: []string{"id"},
		Ops: fakeOps{t, []steps.Object{
			obj(t, "J1", "bad", `{"includes": [{"inventoryObject": {"name": "vm1"}}]}`),
			obj(t, "J2", "good", `{"includes": [{"name": "vm2"}]}`),
		}},
	}
	settings := &steps.Kind{
		Meta: steps.Meta{Name: "vbr.settings", API: veeam.VBR, Schema: decode(t, `{"type": "object", "properties": {"jobId": {"type": "string"}, "otherJobId": {"type": "string"}}}`)},
		Ops:  fakeOps{t, []steps.Object{{Name: "default", Doc: steps.Doc{"jobId": "J1", "otherJobId": "J2"}}}},
	}
	tables := func(k *steps.Kind) (tableRules, bool) {
		return tableRules{table: steps.Table{Identity: "name", SpecIdentity: "name"}}, true
	}
	cat := steps.NewCatalog([]*steps.Kind{jobs, settings}, nil, nil)
	got, err := importWith(context.Background(), cat, &steps.Conn{Target: "vbr", API: veeam.VBR}, Options{API: veeam.VBR, Revision: "1.3-rev2"}, tables)
	if err != nil {
		t.Fatalf("importWith: %v", err)
	}
	want := &Playbook{API: veeam.VBR, Target: "vbr", Kinds: []string{"vbr.job", "vbr.settings"},
		Resources: []Resource{
			{Kind: "vbr.job", Name: "good", Spec: steps.Doc{"includes": []any{map[string]any{"name": "vm2"}}}},
			{Kind: "vbr.settings", Name: "default", Spec: steps.Doc{"jobId": "J1",
				"otherJobId": "${{ resources['vbr.job']['good'].id }}"}},
		},
		Secrets: []string{"VBR_PASSWORD"},
		Omitted: []string{`vbr.job "bad" is not imported: its live document does not fit the spec of VBR REST API 1.3-rev2 ` +
			`(includes.0.name: missing required key "name"); declare it by hand`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("importWith mismatch (-want +got):\n%s", diff)
	}
	var b bytes.Buffer
	if err := Write(&b, got, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "resources:\n  # "+want.Omitted[0]+"\n") {
		t.Errorf("the written playbook lacks the note on the omitted object:\n%s", b.String())
	}
}

// TestImportSecretNamesDistinct: names that differ only in punctuation
// still read their passwords from variables of their own.
func TestImportSecretNamesDistinct(t *testing.T) {
	t.Parallel()
	creds := &steps.Kind{
		Meta: steps.Meta{Name: "vbr.credential", API: veeam.VBR, Schema: decode(t, `{"type": "object", "required": ["password"],
		  "properties": {"description": {"type": "string"}, "password": {"type": "string"}}}`)},
		ReadOnly: []string{"id"},
		Ops:      fakeOps{t, []steps.Object{obj(t, "C1", "db-01", `{}`), obj(t, "C2", "db 01", `{}`)}},
	}
	tables := func(*steps.Kind) (tableRules, bool) { return tableRules{secrets: []string{"password"}}, true }
	got, err := importWith(context.Background(), steps.NewCatalog([]*steps.Kind{creds}, nil, nil),
		&steps.Conn{Target: "vbr", API: veeam.VBR}, Options{API: veeam.VBR}, tables)
	if err != nil {
		t.Fatalf("importWith: %v", err)
	}
	specs := map[string]any{}
	for _, r := range got.Resources {
		specs[r.Name] = r.Spec["password"]
	}
	want := map[string]any{"db-01": "${{ secret('VBR_CREDENTIAL_DB_01_PASSWORD') }}", "db 01": "${{ secret('VBR_CREDENTIAL_DB_01_PASSWORD_2') }}"}
	if diff := cmp.Diff(want, specs); diff != "" {
		t.Errorf("passwords (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"VBR_CREDENTIAL_DB_01_PASSWORD", "VBR_CREDENTIAL_DB_01_PASSWORD_2", "VBR_PASSWORD"}, got.Secrets); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
}

// TestImportCertificatePlaceholder: a required certificate object the
// server never returns is a placeholder whose certificate content is a
// secret() reference.
func TestImportCertificatePlaceholder(t *testing.T) {
	t.Parallel()
	kms := &steps.Kind{
		Meta: steps.Meta{Name: "vbr.kms_server", API: veeam.VBR, Schema: decode(t, `{"type": "object", "required": ["clientCertificate"],
		  "properties": {"port": {"type": "integer"}, "clientCertificate": {"$ref": "#/$defs/Cert"}},
		  "$defs": {"Cert": {"type": "object", "required": ["certificate", "formatType"],
		    "properties": {"certificate": {"type": "string"}, "formatType": {"type": "string", "enum": ["Pfx", "Pem"]}}}}}`)},
		ReadOnly: []string{"id"},
		Ops:      fakeOps{t, []steps.Object{obj(t, "K1", "kms01", `{"port": 5696}`)}},
	}
	tables := func(*steps.Kind) (tableRules, bool) { return tableRules{}, true }
	got, err := importWith(context.Background(), steps.NewCatalog([]*steps.Kind{kms}, nil, nil),
		&steps.Conn{Target: "vbr", API: veeam.VBR}, Options{API: veeam.VBR}, tables)
	if err != nil {
		t.Fatalf("importWith: %v", err)
	}
	want := []Resource{{Kind: "vbr.kms_server", Name: "kms01",
		Spec: steps.Doc{"port": json.Number("5696"), "clientCertificate": map[string]any{"formatType": "Pfx",
			"certificate": "${{ secret('VBR_KMS_SERVER_KMS01_CLIENTCERTIFICATE_CERTIFICATE') }}"}},
		Notes: []string{
			"clientCertificate.certificate is the content of a certificate file (it may hold a private key), required on create and never returned: " +
				"export VBR_KMS_SERVER_KMS01_CLIENTCERTIFICATE_CERTIFICATE",
			`clientCertificate is required on create and the server never returns it: {"formatType":"Pfx"} is a placeholder; ` +
				"set the real value before creating this object on another server (plan never compares it)",
		}}}
	if diff := cmp.Diff(want, got.Resources); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
}
