package schema

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// The playbook schema accepts the VBR specs of any API revision, since a
// playbook may target servers of several. For editors, one schema per VBR
// document revision checks exactly what a target of that revision
// accepts; a playbook picks it with its modeline:
//
//	# yaml-language-server: $schema=../schema/playbook.vbr-1.3-rev2.schema.json

// RevisionFile is the file name, in this directory, of the playbook schema
// for VBR targets of document revision doc.
func RevisionFile(doc string) string { return "playbook.vbr-" + doc + ".schema.json" }

// apiVersionProperty is the schema of a target's api_version: one of names
// (the revisions vplay knows, or those a document describes), or a ${{ }}
// template evaluated when loading (vars) or planning (env).
func apiVersionProperty(names []string) map[string]any {
	enum := make([]any, len(names))
	for i, n := range names {
		enum[i] = n
	}
	return map[string]any{
		"description": "VBR REST API revision (x-api-version). Omit it to use the newest revision vplay knows that the server serves.",
		"anyOf":       []any{map[string]any{"enum": enum}, map[string]any{"$ref": "#/$defs/template"}},
	}
}

// GenerateAt builds the playbook schema of cat for VBR targets of document
// revision doc: VBR specs, with blocks and params follow that revision
// (steps.Catalog.At) and api_version accepts the revisions the document
// describes.
func GenerateAt(cat *steps.Catalog, doc string) ([]byte, error) {
	b, err := Generate(cat.At(doc))
	if err != nil {
		return nil, err
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("playbook schema at %s: %w", doc, err)
	}
	var names []string
	for _, r := range vbr.Revisions() {
		if r.Document == doc {
			names = append(names, r.Name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("playbook schema: %q is not a vbr document revision", doc)
	}
	root["$id"] = "https://vplay.dev/schema/" + RevisionFile(doc)
	root["title"] = "vplay playbook for VBR REST API " + doc
	defs, _ := root["$defs"].(map[string]any)
	target, _ := defs["target"].(map[string]any)
	props, _ := target["properties"].(map[string]any)
	if props == nil {
		return nil, fmt.Errorf("playbook schema at %s: no target properties", doc)
	}
	props["api_version"] = apiVersionProperty(names)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("encode playbook schema at %s: %w", doc, err)
	}
	return buf.Bytes(), nil
}
