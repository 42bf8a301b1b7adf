package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/vplay-dev/vplay/jsondoc"
)

// JSONSchemaDialect is the $schema of the documents JSONSchema returns.
const JSONSchemaDialect = "https://json-schema.org/draft/2020-12/schema"

const schemaRefPrefix = "#/components/schemas/"

// rawComponents holds one lazily read component table per revision.
var rawComponents = func() map[string]func() (*componentTable, error) {
	m := map[string]func() (*componentTable, error){}
	for _, rev := range Revisions {
		m[rev] = sync.OnceValues(func() (*componentTable, error) {
			b, err := Raw(rev)
			if err != nil {
				return nil, err
			}
			return components(b)
		})
	}
	return m
}()

// componentTable is a document's component schemas, each kept as its JSON
// text and decoded the first time it is asked for: a catalogue reaches a
// few dozen of a revision's hundreds of schemas, and decoding them all
// cost most of a small command's start-up.
type componentTable struct {
	raw     map[string]json.RawMessage
	mu      sync.Mutex
	decoded map[string]any
}

// components reads a trimmed document's component schemas.
func components(b []byte) (*componentTable, error) {
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("decode vbr openapi document: %w", err)
	}
	return &componentTable{raw: doc.Components.Schemas, decoded: map[string]any{}}, nil
}

// get returns the decoded schema of a component (shared: read-only), and
// whether the document has it.
func (t *componentTable) get(name string) (any, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.decoded[name]; ok {
		return v, true, nil
	}
	b, ok := t.raw[name]
	if !ok {
		return nil, false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, true, fmt.Errorf("decode component schema %q: %w", name, err)
	}
	t.decoded[name] = v
	return v, true, nil
}

// SchemaNames returns the names of a revision's component schemas, sorted.
func SchemaNames(rev string) ([]string, error) {
	schemas, err := rawSchemas(rev)
	if err != nil {
		return nil, err
	}
	return sortedKeys(schemas.raw), nil
}

func rawSchemas(rev string) (*componentTable, error) {
	if f, ok := rawComponents[rev]; ok {
		return f()
	}
	_, err := Raw(rev)
	return nil, err
}

// JSONSchema returns a vendor component schema (e.g. "RepositorySpec") as a
// standalone JSON Schema 2020-12 document: the schema itself at the top,
// every component it references under $defs (references rewritten to
// "#/$defs/X"), prose stripped. The result is a fresh value the caller may
// modify. OpenAPI 3.0 specifics are translated:
//
//   - nullable: true becomes a "null" member of type (and of enum), or an
//     anyOf with {"type": "null"} where the schema has no type;
//   - boolean exclusiveMinimum/exclusiveMaximum become the numeric form;
//   - discriminator is dropped but oneOf/anyOf are kept, each branch
//     pinned to its discriminator value(s) with const/enum and required, so
//     exactly the branch the discriminator selects can match;
//   - additionalProperties stays as the vendor wrote it (mostly absent, so
//     unknown properties are allowed, as the vendor server allows them).
func JSONSchema(rev, name string) (map[string]any, error) {
	schemas, err := rawSchemas(rev)
	if err != nil {
		return nil, err
	}
	return jsonSchemaOf(schemas.get, rev, name)
}

// componentLookup returns the decoded schema of a component (shared:
// read-only) and whether the document has it.
type componentLookup func(name string) (any, bool, error)

// jsonSchemaOf is JSONSchema over the component schemas get reads.
func jsonSchemaOf(get componentLookup, rev, name string) (map[string]any, error) {
	root, ok, err := get(name)
	if err != nil {
		return nil, fmt.Errorf("vbr %s: %w", rev, err)
	}
	if !ok {
		return nil, fmt.Errorf("vbr %s: no component schema %q", rev, name)
	}
	defs := map[string]any{}
	queue := []string{}
	out, _ := convert(root, &queue).(map[string]any)
	for i := 0; i < len(queue); i++ {
		n := queue[i]
		if _, done := defs[n]; done {
			continue
		}
		s, ok, err := get(n)
		if err != nil {
			return nil, fmt.Errorf("vbr %s: %w", rev, err)
		}
		if !ok {
			return nil, fmt.Errorf("vbr %s: schema %q references missing %q", rev, name, n)
		}
		defs[n] = convert(s, &queue)
	}
	if out == nil {
		out = map[string]any{}
	}
	out["$schema"] = JSONSchemaDialect
	if len(defs) > 0 {
		out["$defs"] = defs
	}
	// convert shares enum, default and required values with the cached
	// document; the caller gets its own copy.
	return jsondoc.CopyMap(out), nil
}

// convert translates one OpenAPI 3.0 schema object; names of referenced
// components are appended to refs.
func convert(n any, refs *[]string) any {
	s, ok := n.(map[string]any)
	if !ok {
		return n
	}
	out := make(map[string]any, len(s))
	for k, v := range s {
		switch {
		case k == "$ref":
			ref, _ := v.(string)
			name := strings.TrimPrefix(ref, schemaRefPrefix)
			*refs = append(*refs, name)
			out[k] = "#/$defs/" + name
		case k == "properties" || k == "patternProperties":
			props, _ := v.(map[string]any)
			conv := make(map[string]any, len(props))
			for pk, pv := range props {
				conv[pk] = convert(pv, refs)
			}
			out[k] = conv
		case k == "items" || k == "not" || k == "additionalProperties":
			out[k] = convert(v, refs)
		case k == "allOf" || k == "oneOf" || k == "anyOf":
			items, _ := v.([]any)
			conv := make([]any, len(items))
			for i, item := range items {
				conv[i] = convert(item, refs)
			}
			out[k] = conv
		case k == "nullable", k == "discriminator", k == "xml", strings.HasPrefix(k, "x-"):
			// handled below or not part of JSON Schema
		default:
			out[k] = v
		}
	}
	if d, ok := s["discriminator"].(map[string]any); ok {
		pinBranches(out, d)
	}
	for _, k := range []string{"Minimum", "Maximum"} {
		excl, bound := "exclusive"+k, strings.ToLower(k)
		if b, ok := out[excl].(bool); ok {
			delete(out, excl)
			if b && out[bound] != nil {
				out[excl] = out[bound]
				delete(out, bound)
			}
		}
	}
	if nullable, _ := s["nullable"].(bool); nullable {
		return allowNull(out)
	}
	return out
}

// pinBranches adds to each oneOf/anyOf branch of a discriminated schema the
// discriminator value(s) that select it. A branch missing from the mapping
// is selected by its schema name, as OpenAPI defines.
func pinBranches(s map[string]any, d map[string]any) {
	prop, _ := d["propertyName"].(string)
	if prop == "" {
		return
	}
	values := map[string][]any{}
	if m, ok := d["mapping"].(map[string]any); ok {
		for _, k := range sortedKeys(m) {
			ref, _ := m[k].(string)
			values[ref] = append(values[ref], k)
		}
	}
	for _, comb := range []string{"oneOf", "anyOf"} {
		for _, item := range asList(s[comb]) {
			b, _ := item.(map[string]any)
			ref, _ := b["$ref"].(string)
			if ref == "" {
				continue
			}
			name := strings.TrimPrefix(ref, "#/$defs/")
			vals := values[schemaRefPrefix+name]
			if len(vals) == 0 {
				vals = []any{name}
			}
			pin := map[string]any{"const": vals[0]}
			if len(vals) > 1 {
				pin = map[string]any{"enum": vals}
			}
			b["properties"] = map[string]any{prop: pin}
			b["required"] = []any{prop}
		}
	}
}

// allowNull makes a converted schema also accept null.
func allowNull(s map[string]any) map[string]any {
	switch t := s["type"].(type) {
	case string:
		s["type"] = []any{t, "null"}
	case []any:
		if !slices.Contains(t, any("null")) {
			s["type"] = append(slices.Clone(t), "null")
		}
	default:
		return map[string]any{"anyOf": []any{map[string]any{"type": "null"}, s}}
	}
	if e, ok := s["enum"].([]any); ok && !slices.Contains(e, nil) {
		s["enum"] = append(slices.Clone(e), nil)
	}
	return s
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pinURL matches the schema location of a discriminator pin JSONSchema
// adds to a oneOf/anyOf branch.
var pinURL = regexp.MustCompile(`/(?:oneOf|anyOf)/\d+/properties/[^/]+$`)

// PruneBranches returns a copy of a jsonschema/v6 validation error without
// the oneOf/anyOf branches that failed only because their discriminator pin
// did not match, so a bad field inside a LinuxLocal RepositorySpec reports
// the LinuxLocal branch's errors and not one complaint per repository type.
// When every branch is pruned (the discriminator value itself is wrong),
// the oneOf failure stays as a leaf next to the value's enum error.
func PruneBranches(err *jsonschema.ValidationError) *jsonschema.ValidationError {
	if err == nil {
		return nil
	}
	out := *err
	out.Causes = nil
	_, isOneOf := err.ErrorKind.(*kind.OneOf)
	_, isAnyOf := err.ErrorKind.(*kind.AnyOf)
	for _, c := range err.Causes {
		if (isOneOf || isAnyOf) && failedPin(c, len(err.InstanceLocation)+1, 3) {
			continue
		}
		out.Causes = append(out.Causes, PruneBranches(c))
	}
	return &out
}

// failedPin reports whether a branch error holds, within depth levels, a
// pin failure at the given instance depth.
func failedPin(e *jsonschema.ValidationError, loc, depth int) bool {
	switch e.ErrorKind.(type) {
	case *kind.Const, *kind.Enum:
		if len(e.InstanceLocation) == loc && pinURL.MatchString(e.SchemaURL) {
			return true
		}
	}
	if depth == 0 {
		return false
	}
	for _, c := range e.Causes {
		if failedPin(c, loc, depth-1) {
			return true
		}
	}
	return false
}
