package steps

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// unknownKeys lists the keys an additionalProperties failure rejects, as
// "/instance/path/key", anywhere in err's cause tree.
func unknownKeys(err error) []string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if k, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
			for _, p := range k.Properties {
				out = append(out, "/"+strings.Join(append(slices.Clone(e.InstanceLocation), p), "/"))
			}
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	slices.Sort(out)
	return slices.Compact(out)
}

func yamlValue(t *testing.T, src string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	return asJSON(t, v)
}

func TestCloseSchema(t *testing.T) {
	t.Parallel()
	obj := func(props map[string]any, required ...string) map[string]any {
		s := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	}
	str := map[string]any{"type": "string"}
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/$defs/" + name} }
	branch := func(def, typ string) map[string]any {
		return map[string]any{"$ref": "#/$defs/" + def, "properties": map[string]any{"type": map[string]any{"const": typ}}, "required": []any{"type"}}
	}
	// Shaped like the converted RepositorySpec: a base object with a oneOf
	// of per-type specs, each an allOf of the base and its own settings.
	spec := func() map[string]any {
		base := obj(map[string]any{"type": ref("EType"), "description": str}, "type")
		return map[string]any{
			"type":       "object",
			"properties": map[string]any{"type": ref("EType"), "description": str},
			"oneOf":      []any{branch("LocalSpec", "Local"), branch("ShareSpec", "Share")},
			"$defs": map[string]any{
				"EType":     map[string]any{"type": "string", "enum": []any{"Local", "Share", "Tape"}},
				"LocalSpec": map[string]any{"allOf": []any{base, obj(map[string]any{"path": str, "mount": ref("Mount")}, "path")}},
				"ShareSpec": map[string]any{"allOf": []any{base, obj(map[string]any{"share": ref("Share")}, "share")}},
				"Share":     obj(map[string]any{"sharePath": str}),
				"Mount": map[string]any{"anyOf": []any{
					obj(map[string]any{"kind": str, "linux": ref("Settings")}, "kind"),
					ref("Settings"),
				}},
				"Settings": obj(map[string]any{"server": str}, "server"),
				"Unused":   obj(map[string]any{"x": str}),
			},
		}
	}
	// A recursive definition keeps its $ref.
	tree := func() map[string]any {
		return map[string]any{
			"$ref": "#/$defs/Node",
			"$defs": map[string]any{
				"Node": obj(map[string]any{"name": str, "children": map[string]any{"type": "array", "items": ref("Node")}}),
			},
		}
	}
	tests := map[string]struct {
		schema  func() map[string]any
		inst    string
		ok      bool
		unknown []string
	}{
		"branch keys":                    {schema: spec, inst: `{type: Local, description: d, path: /b}`, ok: true},
		"other branch":                   {schema: spec, inst: `{type: Share, share: {sharePath: x}}`, ok: true},
		"typo at the top":                {schema: spec, inst: `{type: Local, descripton: d, path: /b}`, unknown: []string{"/descripton"}},
		"key of another branch":          {schema: spec, inst: `{type: Local, path: /b, share: {}}`, unknown: []string{"/share"}},
		"typo in a ref":                  {schema: spec, inst: `{type: Share, share: {sharePth: x}}`, unknown: []string{"/share/sharePth"}},
		"anyOf first":                    {schema: spec, inst: `{type: Local, path: /b, mount: {kind: k, linux: {server: s}}}`, ok: true},
		"anyOf second":                   {schema: spec, inst: `{type: Local, path: /b, mount: {server: s}}`, ok: true},
		"typo in anyOf":                  {schema: spec, inst: `{type: Local, path: /b, mount: {kind: k, linx: {server: s}}}`, unknown: []string{"/mount/linx"}}, // kind picks the first alternative
		"typo below anyOf":               {schema: spec, inst: `{type: Local, path: /b, mount: {kind: k, linux: {server: s, sever: t}}}`, unknown: []string{"/mount/linux/sever"}},
		"second alternative's typo":      {schema: spec, inst: `{type: Local, path: /b, mount: {server: s, linux: {}}}`, unknown: []string{"/mount/linux"}}, // server picks the second
		"required kept":                  {schema: spec, inst: `{type: Local}`},
		"no discriminator":               {schema: spec, inst: `{path: /b, descripton: d}`, unknown: []string{"/descripton"}},
		"other discriminator, known key": {schema: spec, inst: `{type: Tape, share: {}}`},
		"discriminator enum kept":        {schema: spec, inst: `{type: Tape}`},
		"unknown discriminator":          {schema: spec, inst: `{type: Floppy}`},
		"recursive ok":                   {schema: tree, inst: `{name: a, children: [{name: b, children: [{name: c}]}]}`, ok: true},
		"recursive typo":                 {schema: tree, inst: `{name: a, children: [{nam: b}]}`, unknown: []string{"/children/0/nam"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sch := compileSchema(t, "closed", closeSchema(jsonSchema(tc.schema())))
			err := sch.Validate(yamlValue(t, tc.inst))
			if got := err == nil; got != tc.ok {
				t.Fatalf("Validate(%s) ok = %v, want %v (%v)", tc.inst, got, tc.ok, err)
			}
			if diff := cmp.Diff(tc.unknown, unknownKeys(err)); diff != "" {
				t.Errorf("Validate(%s) unknown keys (-want +got):\n%s", tc.inst, diff)
			}
		})
	}
}

func TestCloseSchemaShape(t *testing.T) {
	t.Parallel()
	s := closeSchema(jsonSchema(map[string]any{
		"type":       "object",
		"properties": map[string]any{"type": map[string]any{"type": "string"}},
		"oneOf": []any{
			map[string]any{"properties": map[string]any{"type": map[string]any{"const": "A"}, "a": map[string]any{"type": "string"}}, "required": []any{"type"}},
			map[string]any{"properties": map[string]any{"type": map[string]any{"const": "B"}, "b": map[string]any{"type": "string"}}, "required": []any{"type"}},
		},
		"$defs": map[string]any{"Unused": map[string]any{"type": "string"}},
	}))
	branch := func(key string) map[string]any {
		return map[string]any{"properties": map[string]any{"type": map[string]any{"type": "string"}, key: map[string]any{"type": "string"}},
			"required": []any{"type"}, "additionalProperties": false}
	}
	values := []any{"A", "B"}
	want := jsonSchema(map[string]any{
		"type":       "object",
		"properties": map[string]any{"type": map[string]any{"type": "string"}},
		"allOf": []any{
			map[string]any{
				"if": map[string]any{"properties": map[string]any{"type": map[string]any{"enum": values}}, "required": []any{"type"}},
				"then": map[string]any{
					"if":   map[string]any{"properties": map[string]any{"type": map[string]any{"enum": values[:1]}}},
					"then": branch("a"),
					"else": branch("b"),
				},
				"else": map[string]any{"properties": map[string]any{"type": true, "a": true, "b": true}, "additionalProperties": false},
			},
			map[string]any{"properties": map[string]any{"type": map[string]any{"enum": values}}},
		},
	})
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("closeSchema (-want +got):\n%s", diff)
	}
}

// TestRepositorySchemaRejectsUnknownKeys checks the real vbr.repository
// schema (vendor RepositorySpec) after closing: typos are rejected at the
// key, everything the vendor declares is still accepted.
func TestRepositorySchemaRejectsUnknownKeys(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t, "vbr.repository", Builtin().At("1.3-rev0").kinds["vbr.repository"].JSONSchema())
	const mount = `mountServer: {mountServerSettingsType: linux, linux: {mountServerId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, writeCacheFolder: /c, vPowerNFSEnabled: false}}`
	const host = `hostId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10`
	tests := map[string]struct {
		spec    string
		unknown []string
	}{
		"every base and linux key": {spec: `{type: LinuxLocal, description: d, uniqueId: u, importBackup: false, importIndex: false, ` + host + `, repository: {path: /b, maxTaskCount: 2, taskLimitEnabled: true, readWriteLimitEnabled: false, readWriteRate: 0, useFastCloningOnXFSVolumes: true, advancedSettings: {perVmBackup: true}}, ` + mount + `}`},
		"description typo":         {spec: `{type: LinuxLocal, descripton: d, ` + host + `, repository: {path: /b}, ` + mount + `}`, unknown: []string{"/descripton"}},
		"path typo":                {spec: `{type: LinuxLocal, ` + host + `, repository: {pathh: /b}, ` + mount + `}`, unknown: []string{"/repository/pathh"}},
		"vendor name":              {spec: `{type: LinuxLocal, name: r, ` + host + `, repository: {path: /b}, ` + mount + `}`, unknown: []string{"/name"}},
		"share key on linux":       {spec: `{type: LinuxLocal, share: {sharePath: x}, ` + host + `, repository: {path: /b}, ` + mount + `}`, unknown: []string{"/share"}},
		"typo without a type":      {spec: `{descripton: d, ` + host + `}`, unknown: []string{"/descripton"}},
		"nfs share typo":           {spec: `{type: Nfs, share: {sharePath: 'nas:/b', credentialId: x}, repository: {}, ` + mount + `}`, unknown: []string{"/share/credentialId"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := sch.Validate(yamlValue(t, tc.spec))
			if (err == nil) != (tc.unknown == nil) {
				t.Fatalf("Validate(%s) = %v, want unknown keys %v", tc.spec, err, tc.unknown)
			}
			if diff := cmp.Diff(tc.unknown, unknownKeys(err)); diff != "" {
				t.Errorf("Validate(%s) unknown keys (-want +got):\n%s", tc.spec, diff)
			}
		})
	}
}

// TestCloseSchemaDispatch checks that a const-discriminated oneOf with
// many alternatives, turned into a tree of if/then/else, still applies to
// each value exactly its own alternative.
func TestCloseSchemaDispatch(t *testing.T) {
	t.Parallel()
	const n = 7
	var alts []any
	for i := range n {
		alts = append(alts, map[string]any{
			"type": "object",
			"properties": map[string]any{
				"type":                map[string]any{"const": fmt.Sprintf("T%d", i)},
				fmt.Sprintf("k%d", i): map[string]any{"type": "integer"},
			},
			"required": []any{"type", fmt.Sprintf("k%d", i)},
		})
	}
	sch := compileSchema(t, "dispatch", closeSchema(jsonSchema(map[string]any{"type": "object", "oneOf": alts})))
	for i := range n {
		own := fmt.Sprintf("{type: T%d, k%d: 1}", i, i)
		if err := sch.Validate(yamlValue(t, own)); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", own, err)
		}
		other := fmt.Sprintf("{type: T%d, k%d: 1, k%d: 1}", i, i, (i+1)%n)
		if diff := cmp.Diff([]string{fmt.Sprintf("/k%d", (i+1)%n)}, unknownKeys(sch.Validate(yamlValue(t, other)))); diff != "" {
			t.Errorf("Validate(%s) unknown keys (-want +got):\n%s", other, diff)
		}
		wrongType := fmt.Sprintf("{type: T%d, k%d: x}", i, i)
		if err := sch.Validate(yamlValue(t, wrongType)); err == nil {
			t.Errorf("Validate(%s) = nil, want an error", wrongType)
		}
	}
	if err := sch.Validate(yamlValue(t, "{type: T9, k0: 1}")); err == nil {
		t.Errorf("Validate(type T9) = nil, want an enum error")
	}
}
