package schema

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/schema/testcatalog"
	"github.com/vplay-dev/vplay/steps"
)

// TestEmbeddedIsFresh fails when playbook.schema.json no longer matches
// the catalogue: run `go generate ./schema`.
func TestEmbeddedIsFresh(t *testing.T) {
	t.Parallel()
	got, err := Generate(Catalog())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, JSON()) {
		t.Fatal("schema/playbook.schema.json is stale: run `go generate ./schema`")
	}
	if v := Validate(map[string]any{"vplay": 1}); len(v) != 0 {
		t.Errorf("Validate(minimal playbook) = %v, want no violations", v)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	v, err := ForCatalog(testcatalog.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	res := func(extra map[string]any) map[string]any {
		r := map[string]any{"kind": "vbr.repository", "name": "r"}
		for k, e := range extra {
			r[k] = e
		}
		return map[string]any{"vplay": 1, "resources": []any{r}}
	}
	tests := map[string]struct {
		inst any
		want []Violation
	}{
		"valid": {inst: res(map[string]any{"spec": map[string]any{"type": "Nfs", "share": map[string]any{"sharePath": "x"}}})},
		"unknown key": {inst: res(map[string]any{"forEach": 1}), want: []Violation{{
			Path: []string{"resources", "0", "forEach"}, Keyword: "additionalProperties", Message: `unknown key "forEach"`,
			Expected: []string{"depends_on", "for_each", "kind", "name", "options", "policy", "spec", "state", "target"}}}},
		"vendor enum": {inst: res(map[string]any{"spec": map[string]any{"type": "Foo"}}), want: []Violation{{
			Path: []string{"resources", "0", "spec", "type"}, Keyword: "enum", Message: `"Foo" is not an accepted value`, Expected: testcatalog.RepositoryTypes}}},
		"if then required": {inst: res(map[string]any{"spec": map[string]any{"type": "Nfs"}}), want: []Violation{{
			Path: []string{"resources", "0", "spec", "share"}, Keyword: "required", Message: `missing required key "share"`}}},
		"anyOf picks enum branch": {inst: res(map[string]any{"policy": "nope"}), want: []Violation{{
			Path: []string{"resources", "0", "policy"}, Keyword: "enum", Message: `"nope" is not an accepted value`,
			Expected: []string{"manage", "observe", "update_only", "no_delete"}}}},
		"type": {inst: map[string]any{"vplay": 1, "steps": "x"}, want: []Violation{{
			Path: []string{"steps"}, Keyword: "type", Message: `expected array, got string "x"`}}},
		"const": {inst: map[string]any{"vplay": 3}, want: []Violation{{
			Path: []string{"vplay"}, Keyword: "const", Message: "expected 1, got 3", Expected: []string{"1"}}}},
		"names": {inst: map[string]any{"vplay": 1, "vars": map[string]any{"a-b": 1}}, want: []Violation{{
			Path: []string{"vars", "a-b"}, Keyword: "propertyNames", Message: `"a-b" is not a valid name: use letters, digits and _, not starting with a digit`}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, v.Validate(tc.inst)); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

// TestValidateSplitMatchesWhole checks that validating the items of the
// top-level lists one by one, concurrently, reports exactly what validating
// the whole document reports.
func TestValidateSplitMatchesWhole(t *testing.T) {
	t.Parallel()
	for name, cat := range map[string]*steps.Catalog{"testcatalog": testcatalog.Catalog(), "builtin": Catalog()} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, err := ForCatalog(cat)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.lists) == 0 {
				t.Fatal("no list is validated item by item")
			}
			var resources, stepList []any
			for i := range 4 * minPerWorker {
				spec := map[string]any{"type": "LinuxLocal", "repository": map[string]any{"path": "/b"}}
				switch i % 4 {
				case 1:
					spec["descripton"] = "typo"
				case 2:
					spec["type"] = "Floppy"
				case 3:
					spec = map[string]any{"repository": map[string]any{"maxTaskCount": "four"}}
				}
				resources = append(resources, map[string]any{"kind": "vbr.repository", "name": fmt.Sprint("r", i), "spec": spec})
				stepList = append(stepList, map[string]any{"id": fmt.Sprint("s", i), "action": "log", "with": map[string]any{"mesage": i}})
			}
			inst := map[string]any{"vplay": 2, "resources": resources, "steps": stepList, "nme": "x"}
			whole := sortViolations(v.violations(v.sch, inst, nil))
			got := v.Validate(inst)
			if len(whole) < 4*minPerWorker {
				t.Fatalf("only %d violations; the test needs many", len(whole))
			}
			if diff := cmp.Diff(whole, got); diff != "" {
				t.Errorf("Validate (-whole document +item by item):\n%s", diff)
			}
		})
	}
}
