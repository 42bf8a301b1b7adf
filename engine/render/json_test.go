package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vplay-dev/vplay/engine"
)

// compileSchema compiles the committed plan format schema.
func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(PlanSchema()))
	if err != nil {
		t.Fatalf("parse schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://github.com/vplay-dev/vplay/engine/render/plan-format.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return s
}

func TestJSON(t *testing.T) {
	t.Parallel()
	schema := compileSchema(t)
	for name, p := range map[string]*engine.Plan{
		"JSONFull":  fullPlan(),
		"JSONEmpty": emptyPlan(),
		"JSONZero":  {},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := JSON(&buf, p); err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			if err := schema.Validate(inst); err != nil {
				t.Errorf("output does not match plan-format.schema.json: %v", err)
			}
			if name != "JSONZero" {
				golden(t, name, buf.Bytes())
			}
		})
	}
}

// TestJSONFields checks the meaning of the format, not just its shape.
func TestJSONFields(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := JSON(&buf, fullPlan()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		FormatVersion string `json:"format_version"`
		Changes       []struct {
			Address engine.Addr `json:"address"`
			Action  string      `json:"action"`
			Flag    string      `json:"flag"`
			Diff    []jsonNode  `json:"diff"`
		} `json:"resource_changes"`
		HasChanges  bool `json:"has_changes"`
		Destructive bool `json:"destructive"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, c := range got.Changes {
		actions = append(actions, c.Address.Name+":"+c.Action+":"+c.Flag)
	}
	want := []string{"repo-ams:create:", "repo-lon:update:", "svc-backup:update:", "nightly:drift:",
		"repo-old:delete:destructive", "repo-same:no_op:", "acme:no_op:"}
	if diff := cmp.Diff(want, actions); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if got.FormatVersion != engine.FormatVersion || !got.HasChanges || !got.Destructive {
		t.Errorf("header = %q %v %v, want %q true true", got.FormatVersion, got.HasChanges, got.Destructive, engine.FormatVersion)
	}
	// The diff is a tree: keys as path segments, numbers kept as written
	// (8.0 stays 8.0).
	repo := find(got.Changes[1].Diff, "repository")
	if repo == nil || repo.Op != "change" {
		t.Fatalf("repo-lon diff has no changed repository object: %+v", got.Changes[1].Diff)
	}
	d := find(repo.Fields, "maxTaskCount")
	if d == nil || string(d.Before) != "4" || string(d.After) != "8.0" {
		t.Fatalf("maxTaskCount = %+v, want 4 -> 8.0", d)
	}
	var path []any
	if err := json.Unmarshal(d.Path, &path); err != nil || !cmp.Equal(path, []any{"repository", "maxTaskCount"}) {
		t.Errorf("maxTaskCount path = %s, want [repository maxTaskCount]", d.Path)
	}
	// JSON carries the element-level list operations text shows: tags
	// [lon old tier-2] -> [lon tier-1 tier-2] keeps lon, replaces old by
	// tier-1 and keeps tier-2.
	tags := find(got.Changes[1].Diff, "tags")
	if tags == nil {
		t.Fatal("no tags diff")
	}
	var ops []string
	for _, e := range tags.Elements {
		ops = append(ops, fmt.Sprintf("%s %d %d %d %s %s", e.Op, e.BeforeIndex, e.AfterIndex, e.Count, e.Before, e.After))
	}
	want = []string{"unchanged 0 0 1  ", `change 1 1 0 "old" "tier-1"`, "unchanged 2 2 1  "}
	if diff := cmp.Diff(want, ops); diff != "" {
		t.Errorf("tags elements (-want +got):\n%s", diff)
	}
}

// jsonNode reads a diff node of the JSON format.
type jsonNode struct {
	Path     json.RawMessage `json:"path"`
	Op       string          `json:"op"`
	Before   json.RawMessage `json:"before"`
	After    json.RawMessage `json:"after"`
	Fields   []jsonNode      `json:"fields"`
	Elements []struct {
		Op          string          `json:"op"`
		BeforeIndex int             `json:"before_index"`
		AfterIndex  int             `json:"after_index"`
		Count       int             `json:"count"`
		Before      json.RawMessage `json:"before"`
		After       json.RawMessage `json:"after"`
	} `json:"elements"`
}

// find returns the node whose last path segment is key.
func find(ns []jsonNode, key string) *jsonNode {
	for i := range ns {
		var path []any
		if err := json.Unmarshal(ns[i].Path, &path); err == nil && len(path) > 0 && path[len(path)-1] == key {
			return &ns[i]
		}
	}
	return nil
}
