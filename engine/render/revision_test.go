package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vplay-dev/vplay/engine"
)

// negotiatedPlan is emptyPlan with the revision of its VBR target chosen by
// the server, and a second VBR target pinned by the playbook.
func negotiatedPlan() *engine.Plan {
	p := emptyPlan()
	p.Targets[0].APIVersion = "1.3-rev1"
	p.Targets[0].Negotiated = true
	p.Targets[0].ServerBuild = "13.0.1.180"
	p.Targets = append(p.Targets, engine.Target{Name: "old", API: "vbr", URL: "https://old:9419", APIVersion: "1.1-rev0"})
	return p
}

// TestNegotiatedRevisionInHeader checks that every format says which
// revision a negotiated target uses, and only for negotiated targets.
func TestNegotiatedRevisionInHeader(t *testing.T) {
	t.Parallel()
	const want = "Target vbr: VBR REST API 1.3-rev1 (negotiated with VBR 13.0.1.180)"
	var text bytes.Buffer
	if err := Text(&text, negotiatedPlan(), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(text.String(), "\n\n")
	if !strings.Contains(head, want) {
		t.Errorf("text header lacks %q:\n%s", want, head)
	}
	if strings.Contains(text.String(), "Target old:") {
		t.Errorf("text names the revision of a pinned target:\n%s", text.String())
	}
	var md bytes.Buffer
	if err := Markdown(&md, negotiatedPlan(), MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "Target vbr: VBR REST API 1.3-rev1 (negotiated with VBR 13.0.1.180)") {
		t.Errorf("markdown lacks the negotiated revision:\n%s", md.String())
	}

	var js bytes.Buffer
	if err := JSON(&js, negotiatedPlan()); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := compileSchema(t).Validate(inst); err != nil {
		t.Errorf("output does not match plan-format.schema.json: %v", err)
	}
	var got struct {
		Targets []map[string]any `json:"targets"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Targets[0]["api_version"] != "1.3-rev1" || got.Targets[0]["api_version_negotiated"] != true || got.Targets[0]["server_build"] != "13.0.1.180" {
		t.Errorf("negotiated target in JSON = %v", got.Targets[0])
	}
	if got.Targets[1]["api_version"] != "1.1-rev0" || got.Targets[1]["api_version_negotiated"] != nil {
		t.Errorf("pinned target in JSON = %v", got.Targets[1])
	}
}
