package importer

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// foreignCatalog has credentials (two records named admin, one root), an
// encryption password known by its hint, managed servers referring to
// credentials through a declared reference, and a configuration-backup
// singleton holding ids of objects of every kind under keys ending in Id.
// The data queries are real names, so steps.ListQuery finds them.
func foreignCatalog(t *testing.T) (*steps.Catalog, func(*steps.Kind) (tableRules, bool)) {
	open := decode(t, `{"type": "object"}`)
	kind := func(name string, objs ...steps.Object) *steps.Kind {
		return &steps.Kind{Meta: steps.Meta{Name: name, API: veeam.VBR, Schema: open}, ReadOnly: []string{"id", "name"},
			Ops: fakeOps{t, objs}}
	}
	creds := kind("vbr.credential",
		obj(t, "C1", "admin", `{}`), obj(t, "C2", "admin", `{}`), obj(t, "C3", "root", `{}`))
	passwords := kind("vbr.encryption_password", obj(t, "P1", "Standard Password", `{}`))
	servers := kind("vbr.managed_server",
		obj(t, "S1", "linux01", `{"credentialsId": "C3"}`),
		obj(t, "S2", "win01", `{"credentialsId": "c2"}`),
		obj(t, "S3", "lost01", `{"credentialsId": "C404"}`))
	backup := kind("vbr.config_backup", steps.Object{Name: "default", Doc: decode(t, `{
	  "backupRepositoryId": "S1", "credentialsId": "C1", "sessionId": "X9", "uniqueId": "U1",
	  "encryption": {"passwordId": "p1", "encryptionPasswordId": "00000000-0000-0000-0000-000000000000"},
	  "serverIds": ["S1", "X8"]}`)})
	// A kind the server refuses to list: its ids could not be named, the
	// others still are.
	users := &steps.Kind{Meta: steps.Meta{Name: "vbr.user", API: veeam.VBR, Schema: open}, Ops: refusingOps{fakeOps{t, nil}}}
	tables := func(k *steps.Kind) (tableRules, bool) {
		switch k.Name {
		case "vbr.credential":
			return tableRules{table: steps.Table{Path: "/api/v1/credentials", Identity: "username"}}, true
		case "vbr.encryption_password":
			return tableRules{table: steps.Table{Path: "/api/v1/encryptionPasswords", Identity: "hint"}}, true
		case "vbr.managed_server":
			return tableRules{table: steps.Table{Path: "/api/v1/managedServers", Identity: "name",
				Refs: []steps.TableRef{{IDField: "credentialsId", Alias: "credentials", Kind: "vbr.credential"}}}}, true
		case "vbr.config_backup":
			return tableRules{table: steps.Table{Path: "/api/v1/configBackup", Singleton: true}}, true
		}
		return tableRules{}, false
	}
	var queries []*steps.Query
	for _, q := range []string{"vbr.credentials", "vbr.encryption_passwords", "vbr.managed_servers"} {
		queries = append(queries, &steps.Query{Meta: steps.Meta{Name: q, API: veeam.VBR}})
	}
	return steps.NewCatalog([]*steps.Kind{creds, passwords, servers, backup, users}, nil, queries), tables
}

// refusingOps answers every list with an error.
type refusingOps struct{ fakeOps }

func (refusingOps) List(context.Context, *steps.Conn) ([]steps.Object, error) {
	return nil, errors.New("403 Forbidden")
}

func TestImportForeignIDs(t *testing.T) {
	t.Parallel()
	cat, tables := foreignCatalog(t)
	adminKept := `credentialsId: two vbr.credential objects are named "admin"; the id is kept`
	tests := map[string]struct {
		kinds []string
		data  []DataEntry
		want  []Resource
	}{
		"a singleton alone: unique names become data queries, a shared name stays with a note, non-references stay": {
			kinds: []string{"vbr.config_backup"},
			data: []DataEntry{
				{Key: "encryption_passwords_standard_password", Query: "vbr.encryption_passwords", Field: "hint", Name: "Standard Password"},
				{Key: "managed_servers_linux01", Query: "vbr.managed_servers", Field: "name", Name: "linux01"},
			},
			want: []Resource{{Kind: "vbr.config_backup", Name: "default", Notes: []string{adminKept}, Spec: steps.Doc{
				"backupRepositoryId": "${{ data.managed_servers_linux01.id }}",
				"credentialsId":      "C1",
				"sessionId":          "X9",
				"uniqueId":           "U1",
				"encryption": map[string]any{"passwordId": "${{ data.encryption_passwords_standard_password.id }}",
					"encryptionPasswordId": "00000000-0000-0000-0000-000000000000"},
				"serverIds": []any{"${{ data.managed_servers_linux01.id }}", "X8"},
			}}},
		},
		"a kind with a declared reference alone: the alias for a unique name, else the id with why": {
			kinds: []string{"vbr.managed_server"},
			want: []Resource{
				{Kind: "vbr.managed_server", Name: "linux01", Spec: steps.Doc{"credentials": "root"}},
				{Kind: "vbr.managed_server", Name: "lost01", Spec: steps.Doc{"credentialsId": "C404"},
					Notes: []string{"credentialsId refers to an object the server does not list: kept as an id"}},
				{Kind: "vbr.managed_server", Name: "win01", Spec: steps.Doc{"credentialsId": "c2"}, Notes: []string{adminKept}},
			},
		},
		"the referenced kind imported too: resources[...] references, no data query": {
			kinds: []string{"vbr.config_backup", "vbr.encryption_password", "vbr.managed_server"},
			want: []Resource{
				{Kind: "vbr.config_backup", Name: "default", Notes: []string{adminKept}, Spec: steps.Doc{
					"backupRepositoryId": "${{ resources['vbr.managed_server']['linux01'].id }}",
					"credentialsId":      "C1",
					"sessionId":          "X9",
					"uniqueId":           "U1",
					"encryption": map[string]any{"passwordId": "${{ resources['vbr.encryption_password']['Standard Password'].id }}",
						"encryptionPasswordId": "00000000-0000-0000-0000-000000000000"},
					"serverIds": []any{"${{ resources['vbr.managed_server']['linux01'].id }}", "X8"},
				}},
				{Kind: "vbr.encryption_password", Name: "Standard Password", Spec: steps.Doc{}},
				{Kind: "vbr.managed_server", Name: "linux01", Spec: steps.Doc{"credentials": "root"}},
				{Kind: "vbr.managed_server", Name: "lost01", Spec: steps.Doc{"credentialsId": "C404"},
					Notes: []string{"credentialsId refers to an object the server does not list: kept as an id"}},
				{Kind: "vbr.managed_server", Name: "win01", Spec: steps.Doc{"credentialsId": "c2"}, Notes: []string{adminKept}},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := importWith(context.Background(), cat, &steps.Conn{Target: "vbr", API: veeam.VBR},
				Options{API: veeam.VBR, Kinds: tc.kinds}, tables)
			if err != nil {
				t.Fatalf("importWith: %v", err)
			}
			if diff := cmp.Diff(tc.data, got.Data); diff != "" {
				t.Errorf("data entries (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, got.Resources); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
			var b bytes.Buffer
			if err := Write(&b, got, WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			for _, d := range tc.data {
				if want := "    where: " + scalar(d.Field+" == "+exprString(d.Name)) + "\n"; !strings.Contains(b.String(), want) {
					t.Errorf("the written playbook lacks %q:\n%s", want, b.String())
				}
			}
		})
	}
}

// A hand-written reference to an object whose name another shares keeps
// the id, with a note, rather than a data query that would select two.
func TestImportReferenceSharedName(t *testing.T) {
	t.Parallel()
	open := decode(t, `{"type": "object"}`)
	servers := &steps.Kind{
		Meta: steps.Meta{Name: "vbr.managed_server", API: veeam.VBR, Schema: open}, ReadOnly: []string{"id", "name"},
		Ops: fakeOps{t, []steps.Object{
			obj(t, "S1", "alpha", `{"share": {"credentialsId": "C1"}}`),
			obj(t, "S2", "beta", `{"share": {"credentialsId": "C3"}}`),
		}},
		Import: steps.ImportRules{Refs: map[string]steps.Ref{
			"share.credentialsId": {Kind: "vbr.credential", Query: "vbr.credentials", NameField: "username"},
		}},
	}
	creds := &steps.Query{Meta: steps.Meta{Name: "vbr.credentials", API: veeam.VBR},
		Fetch: func(context.Context, *steps.Conn, steps.Doc) ([]steps.Doc, error) {
			return []steps.Doc{{"id": "C1", "username": "admin"}, {"id": "C2", "username": "admin"}, {"id": "C3", "username": "root"}}, nil
		}}
	cat := steps.NewCatalog([]*steps.Kind{servers}, nil, []*steps.Query{creds})
	got, err := Import(context.Background(), cat, &steps.Conn{Target: "vbr", API: veeam.VBR}, Options{API: veeam.VBR})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	want := []Resource{
		{Kind: "vbr.managed_server", Name: "alpha", Spec: steps.Doc{"share": map[string]any{"credentialsId": "C1"}},
			Notes: []string{`share.credentialsId: two vbr.credential objects are named "admin"; the id is kept`}},
		{Kind: "vbr.managed_server", Name: "beta", Spec: steps.Doc{"share": map[string]any{"credentialsId": "${{ data.credentials_root.id }}"}}},
	}
	if diff := cmp.Diff(want, got.Resources); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]DataEntry{{Key: "credentials_root", Query: "vbr.credentials", Field: "username", Name: "root"}}, got.Data); diff != "" {
		t.Errorf("data entries (-want +got):\n%s", diff)
	}
}
