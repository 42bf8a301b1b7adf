package vbrsim

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestGenerator(t *testing.T) {
	t.Parallel()
	var schemas map[string]any
	if err := json.Unmarshal([]byte(`{
	 "EType":{"type":"string","enum":["Windows","Linux"]},
	 "Base":{"type":"object","required":["type","name"],"properties":{"type":{"$ref":"#/components/schemas/EType"},"name":{"type":"string"}},
	   "oneOf":[{"$ref":"#/components/schemas/Win"},{"$ref":"#/components/schemas/Lin"}],
	   "discriminator":{"propertyName":"type","mapping":{"Windows":"#/components/schemas/Win","Linux":"#/components/schemas/Lin"}}},
	 "Win":{"allOf":[{"type":"object","properties":{"type":{"$ref":"#/components/schemas/EType"}}},{"type":"object","required":["drive"],"properties":{"drive":{"type":"string","default":"C:"}}}]},
	 "Lin":{"allOf":[{"type":"object","properties":{"type":{"$ref":"#/components/schemas/EType"}}},{"type":"object","required":["mount","when"],"properties":{"mount":{"type":"string"},"when":{"type":"string","format":"date-time"},"port":{"type":"integer","minimum":1024}}}]},
	 "Odd":{"type":"object","required":["ghost"],"properties":{"mode":{"allOf":[{"$ref":"#/components/schemas/EType"}]}}}
	}`), &schemas); err != nil {
		t.Fatal(err)
	}
	m := &revModel{schemas: schemas}
	now := time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.UTC)
	g := &generator{m: m, now: now, newID: func() string { return "00000000-0000-0000-0000-000000000001" }}
	ref := func(name string) any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	tests := map[string]struct {
		schema string
		hint   any
		want   any
	}{
		"discriminator picks the hinted branch, unknown fields dropped": {
			"Base", map[string]any{"type": "linux", "name": "n", "mount": "/b", "bogus": 1, "port": 80},
			map[string]any{"type": "Linux", "name": "n", "mount": "/b", "when": "2026-11-23T10:00:00.1234567Z", "port": int64(1024)}},
		"default branch with defaults": {
			"Base", nil, map[string]any{"type": "Windows", "name": "Object 1", "drive": "C:"}},
		"allOf around an enum, required name without a schema": {
			"Odd", map[string]any{"mode": "linux"}, map[string]any{"mode": "Linux", "ghost": "ghost"}},
	}
	for name, tc := range tests {
		got := g.value(ref(tc.schema), "", tc.hint, 0)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
		if msg := m.checkBody(ref(tc.schema), roundTrip(t, got), "", 0); msg != "" {
			t.Errorf("%s: generated value fails the schema: %s", name, msg)
		}
	}
	if msg := m.checkBody(ref("Base"), map[string]any{"type": "Mac", "name": "x"}, "", 0); msg == "" {
		t.Error("checkBody accepted an unknown discriminator value")
	}
	if msg := m.checkBody(ref("Base"), map[string]any{"type": "Linux", "name": "x"}, "", 0); msg == "" {
		t.Error("checkBody accepted a branch without its required fields")
	}
}

func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
