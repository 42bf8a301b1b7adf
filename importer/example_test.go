package importer_test

import (
	"context"
	"errors"
	"os"

	"github.com/vplay-dev/vplay/importer"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// listOnly is a kind's live state: it lists and refuses every write.
type listOnly []steps.Object

func (l listOnly) List(context.Context, *steps.Conn) ([]steps.Object, error) { return l, nil }
func (listOnly) Create(context.Context, *steps.Conn, steps.Env, string, steps.Doc) (steps.Object, error) {
	return steps.Object{}, errors.New("read only")
}
func (listOnly) Update(context.Context, *steps.Conn, steps.Env, steps.Object, steps.Doc) (steps.Object, error) {
	return steps.Object{}, errors.New("read only")
}
func (listOnly) Delete(context.Context, *steps.Conn, steps.Env, steps.Object, steps.Doc) error {
	return errors.New("read only")
}

// Import a credentials kind whose password the server never returns: the
// spec keeps what a client may set, and the password becomes a secret()
// reference with a comment naming the variable to export.
func ExampleImport() {
	schema := map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
		"username":    map[string]any{"type": "string"},
		"password":    map[string]any{"type": "string"},
		"description": map[string]any{"type": "string"},
	}}
	kind := &steps.Kind{
		Meta:     steps.Meta{Name: "vbr.credential", API: veeam.VBR, Schema: schema},
		ReadOnly: []string{"id"},
		Ops: listOnly{{ID: "c1", Name: "linux-root", Doc: steps.Doc{
			"id": "c1", "username": "root", "description": "Linux hosts", "creationTime": "2026-01-01T00:00:00Z"}}},
		Import: steps.ImportRules{WriteOnly: []string{"password"}},
	}
	cat := steps.NewCatalog([]*steps.Kind{kind}, nil, nil)
	pb, err := importer.Import(context.Background(), cat, &steps.Conn{Target: "vbr", API: veeam.VBR},
		importer.Options{API: veeam.VBR, APIVersion: "1.3-rev2"})
	if err != nil {
		panic(err)
	}
	if err := importer.Write(os.Stdout, pb, importer.WriteOptions{Fingerprint: true, Command: "vplay import --api vbr --all"}); err != nil {
		panic(err)
	}
	// Output:
	// # yaml-language-server: $schema=../schema/playbook.schema.json
	// #
	// # Written by `vplay import --api vbr --all` (VBR REST API 1.3-rev2): one resource per live object, planned against the same server it shows no changes.
	// # It reads VBR_URL, VBR_USERNAME, VBR_FINGERPRINT from the environment and these secrets (environment or --secret-file):
	// #   VBR_CREDENTIAL_LINUX_ROOT_PASSWORD
	// #   VBR_PASSWORD
	// vplay: 1
	// name: imported-vbr
	// description: Live vbr objects imported by vplay import (vbr.credential)
	//
	// targets:
	//   vbr:
	//     type: vbr
	//     url: "${{ env.VBR_URL }}"
	//     username: "${{ env.VBR_USERNAME }}"
	//     password: "${{ secret('VBR_PASSWORD') }}"
	//     api_version: "1.3-rev2"
	//     tls:
	//       fingerprint: "${{ env.VBR_FINGERPRINT }}"
	//
	// resources:
	//   # password is write-only (the server never returns it): export VBR_CREDENTIAL_LINUX_ROOT_PASSWORD
	//   - kind: vbr.credential
	//     target: vbr
	//     name: linux-root
	//     spec:
	//       description: Linux hosts
	//       password: "${{ secret('VBR_CREDENTIAL_LINUX_ROOT_PASSWORD') }}"
	//       username: root
}
