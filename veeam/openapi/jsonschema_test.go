package openapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// compile compiles a JSONSchema result with santhosh-tekuri/jsonschema.
func compile(t testing.TB, rev, name string) *jsonschema.Schema {
	t.Helper()
	doc, err := JSONSchema(rev, name)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := fmt.Sprintf("mem://vbr/%s/%s.json", rev, name)
	if err := c.AddResource(url, doc); err != nil {
		t.Fatalf("AddResource(%s): %v", name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("Compile(%s): %v", name, err)
	}
	return s
}

func instance(t testing.TB, s string) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(s))
	if err != nil {
		t.Fatalf("bad test JSON: %v", err)
	}
	return v
}

func TestJSONSchemaValidates(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		rev, schema, doc string
		wantErr          []string // substrings the error must contain; nil = valid
	}{
		"rev0 LinuxLocal":               {rev: "1.3-rev0", schema: "RepositorySpec", doc: linuxLocal("1.3-rev0", "4")},
		"rev2 LinuxLocal":               {rev: "1.3-rev2", schema: "RepositorySpec", doc: linuxLocal("1.3-rev2", "4")},
		"LinuxLocal child schema alone": {rev: "1.3-rev2", schema: "LinuxLocalStorageSpec", doc: linuxLocal("1.3-rev2", "4")},
		"bad enum names the allowed values": {rev: "1.3-rev2", schema: "RepositorySpec",
			doc:     strings.Replace(linuxLocal("1.3-rev2", "4"), `"RotatedDriveCleanupMode":"Disabled"`, `"RotatedDriveCleanupMode":"Sometimes"`, 1),
			wantErr: []string{"/repository/advancedSettings/RotatedDriveCleanupMode", "'Disabled', 'ClearBackupFolder', 'ClearRepositoryFolder'"}},
		"wrong type": {rev: "1.3-rev0", schema: "RepositorySpec", doc: linuxLocal("1.3-rev0", `"four"`),
			wantErr: []string{"/repository/maxTaskCount", "got string, want integer"}},
		"type outside the vendor enum": {rev: "1.3-rev0", schema: "RepositorySpec",
			doc:     `{"name":"r","description":"","type":"Floppy"}`,
			wantErr: []string{"/type", "'WinLocal', 'LinuxLocal'"}},
		"branch follows the discriminator": {rev: "1.3-rev2", schema: "RepositorySpec",
			doc:     `{"name":"r","description":"","type":"Smb","hostId":"` + hostID + `","repository":{"path":"/b"}}`,
			wantErr: []string{"missing property 'share'"}},
		"rev0 requires the mount server": {rev: "1.3-rev0", schema: "RepositorySpec",
			doc:     `{"name":"r","description":"","type":"LinuxLocal","hostId":"` + hostID + `","repository":{"path":"/b"}}`,
			wantErr: []string{"missing property 'mountServer'"}},
		"scale-out spec": {rev: "1.3-rev2", schema: "ScaleOutRepositorySpec",
			doc: `{"name":"sobr","description":"","performanceTier":{"performanceExtents":[{"id":"` + hostID + `"}]},"placementPolicy":{"type":"DataLocality"}}`},
		"scale-out bad placement": {rev: "1.3-rev2", schema: "ScaleOutRepositorySpec",
			doc:     `{"name":"sobr","description":"","performanceTier":{"performanceExtents":[{"id":"` + hostID + `"}]},"placementPolicy":{"type":"Random"}}`,
			wantErr: []string{"/placementPolicy/type", "'DataLocality', 'Performance'"}},
		"recovery token": {rev: "1.3-rev0", schema: "ComputerRecoveryTokenSpec",
			doc: `{"backupIds":["` + hostID + `"],"expirationDate":"2027-01-01T00:00:00Z"}`},
		"recovery token bad date": {rev: "1.3-rev0", schema: "ComputerRecoveryTokenSpec",
			doc:     `{"backupIds":["` + hostID + `"],"expirationDate":"next year"}`,
			wantErr: []string{"/expirationDate", "date-time"}},
		"nullable object accepts null": {rev: "1.3-rev2", schema: "SessionProgress", doc: `null`},
		"nullable property accepts null": {rev: "1.3-rev2", schema: "SessionProgress",
			doc: `{"duration":"00:01","processingRate":null,"bottleneck":"None","processedSize":null,"readSize":1,"transferredSize":null,"progressPercent":null}`},
		"non-nullable property rejects null": {rev: "1.3-rev2", schema: "SessionProgress",
			doc:     `{"duration":null,"processingRate":null,"bottleneck":"None","processedSize":null,"readSize":1,"transferredSize":null,"progressPercent":null}`,
			wantErr: []string{"/duration", "got null, want string"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := compile(t, tc.rev, tc.schema)
			err := s.Validate(instance(t, tc.doc))
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ve *jsonschema.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *jsonschema.ValidationError", err)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
		})
	}
}

// TestJSONSchemaAllComponents converts every component of both revisions
// and compiles it, which catches dangling $defs and unconverted keywords.
func TestJSONSchemaAllComponents(t *testing.T) {
	t.Parallel()
	for _, rev := range Revisions {
		t.Run(rev, func(t *testing.T) {
			t.Parallel()
			names, err := SchemaNames(rev)
			if err != nil {
				t.Fatal(err)
			}
			c := jsonschema.NewCompiler()
			for _, n := range names {
				doc, err := JSONSchema(rev, n)
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.Marshal(doc)
				if err != nil {
					t.Fatal(err)
				}
				for _, kw := range []string{`"nullable"`, `"discriminator"`, `"#/components/`, `"x-`} {
					if strings.Contains(string(b), kw) {
						t.Errorf("%s: %s left in the JSON Schema", n, kw)
					}
				}
				if err := c.AddResource("mem://"+n, doc); err != nil {
					t.Fatalf("AddResource(%s): %v", n, err)
				}
			}
			for _, n := range names {
				if _, err := c.Compile("mem://" + n); err != nil {
					t.Errorf("Compile(%s): %v", n, err)
				}
			}
		})
	}
}

func TestConvert(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ in, want string }{
		"nullable type": {
			in:   `{"type":"integer","nullable":true}`,
			want: `{"type":["integer","null"]}`},
		"nullable enum": {
			in:   `{"type":"string","enum":["A","B"],"nullable":true}`,
			want: `{"type":["string","null"],"enum":["A","B",null]}`},
		"nullable without type": {
			in:   `{"allOf":[{"$ref":"#/components/schemas/X"}],"nullable":true}`,
			want: `{"anyOf":[{"type":"null"},{"allOf":[{"$ref":"#/$defs/X"}]}]}`},
		"not nullable": {
			in:   `{"type":"string","nullable":false}`,
			want: `{"type":"string"}`},
		"exclusive bounds": {
			in:   `{"type":"number","minimum":0,"exclusiveMinimum":true,"maximum":10,"exclusiveMaximum":false}`,
			want: `{"type":"number","exclusiveMinimum":0,"maximum":10}`},
		"property named like keywords": {
			in:   `{"type":"object","properties":{"nullable":{"type":"boolean"},"discriminator":{"$ref":"#/components/schemas/D"}}}`,
			want: `{"type":"object","properties":{"nullable":{"type":"boolean"},"discriminator":{"$ref":"#/$defs/D"}}}`},
		"discriminator pins branches": {
			in: `{"type":"object","oneOf":[{"$ref":"#/components/schemas/A"},{"$ref":"#/components/schemas/B"},{"$ref":"#/components/schemas/C"}],
			      "discriminator":{"propertyName":"kind","mapping":{"a":"#/components/schemas/A","b1":"#/components/schemas/B","b2":"#/components/schemas/B"}}}`,
			want: `{"type":"object","oneOf":[
			      {"$ref":"#/$defs/A","properties":{"kind":{"const":"a"}},"required":["kind"]},
			      {"$ref":"#/$defs/B","properties":{"kind":{"enum":["b1","b2"]}},"required":["kind"]},
			      {"$ref":"#/$defs/C","properties":{"kind":{"const":"C"}},"required":["kind"]}]}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var in, want any
			if err := json.Unmarshal([]byte(tc.in), &in); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			var refs []string
			if diff := cmp.Diff(want, convert(in, &refs)); diff != "" {
				t.Errorf("convert(%s) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestJSONSchemaIsFresh(t *testing.T) {
	t.Parallel()
	a, err := JSONSchema("1.3-rev0", "ERepositoryType")
	if err != nil {
		t.Fatal(err)
	}
	a["enum"].([]any)[0] = "changed"
	b, err := JSONSchema("1.3-rev0", "ERepositoryType")
	if err != nil {
		t.Fatal(err)
	}
	if got := b["enum"].([]any)[0]; got != "WinLocal" {
		t.Errorf("second JSONSchema sees the first caller's change: enum[0] = %v", got)
	}
}

func TestPruneBranches(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		rev, doc string
		want     []string // leaf lines of the pruned error, "location: message"
	}{
		"bad enum in the selected branch": {rev: "1.3-rev2",
			doc:  strings.Replace(linuxLocal("1.3-rev2", "4"), `"RotatedDriveCleanupMode":"Disabled"`, `"RotatedDriveCleanupMode":"Sometimes"`, 1),
			want: []string{`/repository/advancedSettings/RotatedDriveCleanupMode: value must be one of 'Disabled', 'ClearBackupFolder', 'ClearRepositoryFolder'`}},
		"missing field of the selected branch": {rev: "1.3-rev0",
			doc:  `{"name":"r","description":"","type":"Smb","share":{"sharePath":"\\\\nas\\b"}}`,
			want: []string{`: missing properties 'mountServer', 'repository'`, `/share: missing property 'credentialsId'`}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := compile(t, tc.rev, "RepositorySpec").Validate(instance(t, tc.doc))
			var ve *jsonschema.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *jsonschema.ValidationError", err)
			}
			var got []string
			var walk func(e *jsonschema.ValidationError)
			walk = func(e *jsonschema.ValidationError) {
				if len(e.Causes) == 0 {
					got = append(got, "/"+strings.Join(e.InstanceLocation, "/")+": "+e.ErrorKind.LocalizedString(message.NewPrinter(language.English)))
				}
				for _, c := range e.Causes {
					walk(c)
				}
			}
			walk(PruneBranches(ve))
			for i := range got {
				got[i] = strings.TrimPrefix(got[i], "/")
			}
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = strings.TrimPrefix(w, "/")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pruned leaves (-want +got):\n%s", diff)
			}
		})
	}
}
