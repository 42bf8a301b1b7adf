package render

import (
	"bytes"
	"encoding/json"
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
		"JSONLeaky": leakyPlan(),
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
			Diff    []struct {
				Path   string `json:"path"`
				Op     string `json:"op"`
				Before json.RawMessage
				After  json.RawMessage
			} `json:"diff"`
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
	// Numbers are kept as written (8.0 stays 8.0).
	for _, d := range got.Changes[1].Diff {
		if d.Path == "repository.maxTaskCount" && (string(d.Before) != "4" || string(d.After) != "8.0") {
			t.Errorf("maxTaskCount = %s -> %s, want 4 -> 8.0", d.Before, d.After)
		}
	}
}

func TestMaskDocDoesNotModifyPlan(t *testing.T) {
	t.Parallel()
	p := leakyPlan()
	var buf bytes.Buffer
	if err := JSON(&buf, p); err != nil {
		t.Fatal(err)
	}
	auth := p.Changes[0].After["auth"].(map[string]any)
	if auth["password"] != theSecret {
		t.Errorf("JSON modified the plan: password = %v", auth["password"])
	}
}
