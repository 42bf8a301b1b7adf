package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vplay-dev/vplay/engine/render"
)

// compileFleetFormat compiles docs/fleet-format.schema.json with the plan
// format it refers to.
func compileFleetFormat(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for url, b := range map[string][]byte{
		"https://github.com/vplay-dev/vplay/engine/render/plan-format.schema.json": render.PlanSchema(),
		"https://github.com/vplay-dev/vplay/docs/fleet-format.schema.json":         mustRead(t, "../../docs/fleet-format.schema.json"),
	} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("https://github.com/vplay-dev/vplay/docs/fleet-format.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFleetJSONFormat: plan -o json --fleet (with a member that fails) and
// the last line of apply -o json --fleet match docs/fleet-format.schema.json.
func TestFleetJSONFormat(t *testing.T) {
	t.Parallel()
	sch := compileFleetFormat(t)
	dir := t.TempDir()
	file, servers := startSims(t, dir, 2)
	environ := []string{"XDG_STATE_HOME=" + filepath.Join(dir, "state"), "SIM_PW=" + servers[0].Env()["VBR_PASSWORD"]}
	exec := func(args ...string) string {
		var out, errOut strings.Builder
		run(context.Background(), append(args, "../../playbooks/quickstart.yaml"), stdio{In: strings.NewReader(""), Out: &out, Err: &errOut}, environ)
		return out.String()
	}
	valid := func(what, text string) {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
		if err != nil {
			t.Fatalf("%s: %v\n%s", what, err, text)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s does not match the fleet format: %v\n%s", what, err, text)
		}
	}
	plan := exec("plan", "-o", "json", "--fleet", file)
	valid("plan", plan)
	if !strings.Contains(plan, `"result": "changes"`) {
		t.Errorf("plan: no member with changes:\n%s", plan)
	}
	lines := strings.Split(strings.TrimSpace(exec("apply", "-o", "json", "--auto-approve", "--fleet", file)), "\n")
	valid("apply summary", lines[len(lines)-1])
	// A member that cannot run: its error is in the document.
	environ[1] = "SIM_PW=wrong-pass-word"
	failed := exec("plan", "-o", "json", "--fleet", file)
	valid("plan with failures", failed)
	if !strings.Contains(failed, `"result": "error"`) || strings.Contains(failed, "wrong-pass-word") {
		t.Errorf("plan with failures: no error result, or the password shows:\n%s", failed)
	}
}
