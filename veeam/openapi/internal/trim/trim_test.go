package trim

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON: %v", err)
	}
	return v
}

func TestRoles(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		desc string
		want []any
	}{
		"rev0 prefix":  {"Adds.<p>**Available to**&#58; Veeam Backup Administrator, Veeam Restore Operator.</p>", []any{"Backup Administrator", "Restore Operator"}},
		"rev2 custom":  {"<p>**Available to**&#58; Backup Administrator, Backup Operator. Also available to custom roles that have backup permissions.</p>", []any{"Backup Administrator", "Backup Operator"}},
		"anyone":       {"<p>**Available to**&#58; Anyone.</p>", []any{"*"}},
		"all built-in": {"<p>**Available to**&#58; All built-in user roles. Authentication with custom roles is not allowed.</p>", []any{"*"}},
		"no list":      {"Gets the time.", []any{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, roles(tc.desc)); diff != "" {
				t.Errorf("roles(%q) (-want +got):\n%s", tc.desc, diff)
			}
		})
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   string
		m    mode
		want string
	}{
		"prose goes, properties named like prose stay": {
			in:   `{"description":"d","title":"t","example":1,"type":"object","properties":{"description":{"type":"string","description":"x"},"example":{"type":"integer"}},"required":["description"]}`,
			want: `{"type":"object","properties":{"description":{"type":"string"},"example":{"type":"integer"}},"required":["description"]}`},
		"extensions": {
			in:   `{"x-veeam-authorize":{"claims":["ViewX"]},"x-veeam-spec":{"$ref":"#/components/schemas/F"},"x-codeSamples":[],"operationId":"Get"}`,
			want: `{"x-veeam-authorize":{"claims":["ViewX"]},"operationId":"Get"}`},
		"responses keep an empty description": {
			in:   `{"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/M"},"examples":{"E":{}}}}},"400":{"$ref":"#/components/responses/BadRequest"}}}`,
			want: `{"responses":{"200":{"description":"","content":{"application/json":{"schema":{"$ref":"#/components/schemas/M"}}}},"400":{"$ref":"#/components/responses/BadRequest"}}}`},
		"enum and default values are data": {
			in:   `{"type":"string","enum":["description","summary"],"default":"summary"}`,
			want: `{"type":"string","enum":["description","summary"],"default":"summary"}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(decode(t, tc.want), clean(decode(t, tc.in), tc.m)); diff != "" {
				t.Errorf("clean(%s) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestSchemaFixups(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   string
		fix  func(map[string]any)
		want string
	}{
		"inline discriminator base": {
			in: `{"P":{"type":"object","required":["type"],"properties":{"type":{"type":"string"}},
			       "oneOf":[{"$ref":"#/components/schemas/A"}],"discriminator":{"propertyName":"type","mapping":{"a":"#/components/schemas/A"}}},
			      "A":{"allOf":[{"$ref":"#/components/schemas/P"},{"type":"object","properties":{"x":{"type":"integer"}}}]}}`,
			fix: inlineDiscriminatorBases,
			want: `{"P":{"type":"object","required":["type"],"properties":{"type":{"type":"string"}},
			       "oneOf":[{"$ref":"#/components/schemas/A"}],"discriminator":{"propertyName":"type","mapping":{"a":"#/components/schemas/A"}}},
			      "A":{"allOf":[{"type":"object","required":["type"],"properties":{"type":{"type":"string"}}},{"type":"object","properties":{"x":{"type":"integer"}}}]}}`},
		"drop required names nobody defines": {
			in: `{"P":{"required":["name","isDisabled","x"],"properties":{"name":{}},"oneOf":[{"$ref":"#/components/schemas/A"}],"discriminator":{"propertyName":"type"}},
			      "A":{"allOf":[{"$ref":"#/components/schemas/P"},{"properties":{"x":{}}}]}}`,
			fix: dropUndefinedRequired,
			want: `{"P":{"required":["name","x"],"properties":{"name":{}},"oneOf":[{"$ref":"#/components/schemas/A"}],"discriminator":{"propertyName":"type"}},
			      "A":{"allOf":[{"$ref":"#/components/schemas/P"},{"properties":{"x":{}}}]}}`},
		"lower-case grant types": {
			in:   `{"ELoginGrantType":{"type":"string","enum":["Password","Refresh_token"]}}`,
			fix:  lowercaseGrantTypes,
			want: `{"ELoginGrantType":{"type":"string","enum":["Password","Refresh_token","password","refresh_token"]}}`},
		"lower-case grant types already there": {
			in:   `{"ELoginGrantType":{"type":"string","enum":["password","refresh_token"]}}`,
			fix:  lowercaseGrantTypes,
			want: `{"ELoginGrantType":{"type":"string","enum":["password","refresh_token"]}}`},
		"flat mount server": {
			in:   `{"MountServersSettingsModel":{"type":"object","required":["mountServerSettingsType"]},"MountServerSettingsModel":{"type":"object"}}`,
			fix:  acceptFlatMountServer,
			want: `{"MountServersSettingsModel":{"anyOf":[{"type":"object","required":["mountServerSettingsType"]},{"$ref":"#/components/schemas/MountServerSettingsModel"}]},"MountServerSettingsModel":{"type":"object"}}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			schemas := decode(t, tc.in).(map[string]any)
			tc.fix(schemas)
			if diff := cmp.Diff(decode(t, tc.want), any(schemas)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

const miniDoc = `{"openapi":"3.0.1","info":{"title":"T","version":"1.3-rev0","contact":{}},"servers":[{"url":"https://example.com:9419"}],
 "security":[{"Bearer":[]}],"tags":[{"name":"Sessions","description":"long prose"},{"name":"Jobs"}],
 "paths":{
  "/api/v1/sessions/{id}":{"get":{"tags":["Sessions"],"summary":"s","description":"<p>**Available to**&#58; Anyone.</p>",
    "parameters":[{"$ref":"#/components/parameters/v"}],
    "responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/S"}}}}}}},
  "/api/v1/jobs":{"get":{"tags":["Jobs"],"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/J"}}}}}}}},
 "components":{"securitySchemes":{"Bearer":{"type":"http","scheme":"bearer","description":"d"}},
  "parameters":{"v":{"name":"x-api-version","in":"header","required":true,"schema":{"type":"string"},"description":"d"}},
  "schemas":{"S":{"type":"object","properties":{"r":{"$ref":"#/components/schemas/R"}}},"R":{"type":"string","format":"Zip"},"J":{"type":"object"},"Unused":{}},
  "examples":{"E":{"value":1}}}}`

func TestTrim(t *testing.T) {
	t.Parallel()
	got, err := Trim([]byte(miniDoc))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"openapi":"3.0.1","info":{"title":"T","version":"1.3-rev0"},"security":[{"Bearer":[]}],"tags":[{"name":"Sessions"}],
	 "paths":{"/api/v1/sessions/{id}":{"get":{"tags":["Sessions"],"x-vplay-roles":["*"],
	    "parameters":[{"$ref":"#/components/parameters/v"}],
	    "responses":{"200":{"description":"","content":{"application/json":{"schema":{"$ref":"#/components/schemas/S"}}}}}}}},
	 "components":{"securitySchemes":{"Bearer":{"type":"http","scheme":"bearer"}},
	  "parameters":{"v":{"name":"x-api-version","in":"header","required":true,"schema":{"type":"string"}}},
	  "schemas":{"S":{"type":"object","properties":{"r":{"$ref":"#/components/schemas/R"}}},"R":{"type":"string"}}}}`
	if diff := cmp.Diff(decode(t, want), decode(t, string(got))); diff != "" {
		t.Errorf("Trim (-want +got):\n%s", diff)
	}
	again, err := Trim([]byte(miniDoc))
	if err != nil || !bytes.Equal(got, again) {
		t.Errorf("Trim is not deterministic (err %v)", err)
	}
	if _, err := Trim([]byte(`{"openapi":"3.0.1"}`)); err == nil {
		t.Error("Trim of a document without paths succeeded")
	}
	if _, err := Trim([]byte(`{"openapi":"3.0.1","info":{},"paths":{"/api/v1/serverTime":{"get":{"responses":{"200":{"$ref":"#/components/responses/Gone"}}}}},"components":{}}`)); err == nil {
		t.Error("Trim with a dangling reference succeeded")
	}
}

func TestFull(t *testing.T) {
	t.Parallel()
	doc := `{"openapi":"3.0.1","info":{"title":"T","version":"1.3-rev2"},
	 "paths":{
	  "/api/v1/jobs":{"get":{"summary":"s","description":"<p>**Available to**&#58; Veeam Backup Viewer.</p>",
	    "responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/J"},
	      "examples":{"E":{"$ref":"#/components/examples/E"}}}}}}}},
	  "/api/v1/license":{"get":{"responses":{"200":{"description":"OK"}}}}},
	 "components":{"schemas":{"J":{"type":"object","description":"d","example":{"name":"job"},"properties":{"name":{"type":"string","example":"Job 1"}}}},
	  "examples":{"E":{"summary":"s","value":{"data":[{"name":"Backup Job 1"}]}}}}}`
	got, err := Full([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"openapi":"3.0.1","info":{"title":"T","version":"1.3-rev2"},
	 "paths":{
	  "/api/v1/jobs":{"get":{"x-vplay-roles":["Backup Viewer"],
	    "responses":{"200":{"description":"","content":{"application/json":{"schema":{"$ref":"#/components/schemas/J"},
	      "examples":{"E":{"$ref":"#/components/examples/E"}}}}}}}},
	  "/api/v1/license":{"get":{"x-vplay-roles":[],"responses":{"200":{"description":""}}}}},
	 "components":{"schemas":{"J":{"type":"object","example":{"name":"job"},"properties":{"name":{"type":"string","example":"Job 1"}}}},
	  "examples":{"E":{"value":{"data":[{"name":"Backup Job 1"}]}}}}}`
	if diff := cmp.Diff(decode(t, want), decode(t, string(got))); diff != "" {
		t.Errorf("Full (-want +got):\n%s", diff)
	}
}
