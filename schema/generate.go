package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// ID is the $id of the playbook schema; embedded entry schemas get ids
// relative to it (kind/NAME.json, action/NAME.json, query/NAME.json).
const ID = "https://vplay.dev/schema/playbook.schema.json"

// identPattern is what target, variable and data names must look like so
// that expressions can write vars.NAME.
const identPattern = `^[A-Za-z_][A-Za-z0-9_]*$`

// Generate builds the playbook JSON Schema for the entries of cat. The
// output is deterministic (keys sorted, two-space indent, trailing newline).
func Generate(cat *steps.Catalog) ([]byte, error) { return generate(cat, nil) }

// generate is Generate with only the entries of use (all when nil) given
// their schemas; the others accept any spec, with, or params.
func generate(cat *steps.Catalog, use *Use) ([]byte, error) {
	defs := map[string]any{}
	var kindNames, deletableNames, actionNames, queryNames []any
	var kindRules, actionRules, queryRules []any
	for _, k := range cat.Kinds() {
		kindNames = append(kindNames, k.Name)
		if !k.NoDelete {
			deletableNames = append(deletableNames, k.Name)
		}
		ref, err := embed(defs, "kind", k.Name, use.schemaOf("kind", k.Name, k.JSONSchema))
		if err != nil {
			return nil, err
		}
		kindRules = append(kindRules, rule("kind", k.Name, "spec", ref))
	}
	for _, a := range cat.Actions() {
		actionNames = append(actionNames, a.Name)
		with := use.schemaOf("action", a.Name, a.JSONSchema)
		hasRequired := len(requiredKeys(with)) > 0 // before embed adapts it
		ref, err := embed(defs, "action", a.Name, with)
		if err != nil {
			return nil, err
		}
		r := rule("action", a.Name, "with", ref)
		if hasRequired {
			// An action with required inputs needs its with block.
			r["then"].(map[string]any)["required"] = []any{"with"}
		}
		actionRules = append(actionRules, r)
	}
	for _, q := range cat.Queries() {
		queryNames = append(queryNames, q.Name)
		ref, err := embed(defs, "query", q.Name, use.schemaOf("query", q.Name, q.JSONSchema))
		if err != nil {
			return nil, err
		}
		queryRules = append(queryRules, rule("query", q.Name, "params", ref))
	}
	// A catalogue without actions or queries (a test's fake one) still
	// makes a schema document the metaschema accepts: an empty enum, and
	// an allOf of one schema that holds for anything.
	for _, l := range []*[]any{&kindNames, &deletableNames, &actionNames, &queryNames} {
		if *l == nil {
			*l = []any{}
		}
	}
	for _, l := range []*[]any{&kindRules, &actionRules, &queryRules} {
		if len(*l) == 0 {
			*l = []any{true}
		}
	}

	str := func(doc string) map[string]any { return map[string]any{"type": "string", "description": doc} }
	boolean := func(doc string) map[string]any { return map[string]any{"type": "boolean", "description": doc} }
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/$defs/" + name} }
	named := func(doc string, item map[string]any) map[string]any {
		return map[string]any{"type": "object", "description": doc,
			"propertyNames": map[string]any{"pattern": identPattern}, "additionalProperties": item}
	}

	defs["template"] = map[string]any{"type": "string", "pattern": TemplatePattern,
		"description": "A ${{ expression }} whose value replaces the scalar, keeping its type."}
	defs["expression"] = map[string]any{"type": []any{"string", "boolean"},
		"description": "A bare boolean expression (expr language), e.g. changed(\"vbr.repository\")."}
	defs["duration"] = map[string]any{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`,
		"description": "A Go duration such as 90s, 30m or 1h30m."}
	defs["for_each"] = map[string]any{"type": []any{"array", "object", "string"},
		"description": "A list or mapping (or a ${{ }} expression yielding one); the item is `each`."}
	defs["target"] = map[string]any{
		"type": "object", "additionalProperties": false, "required": []any{"type", "url"},
		"properties": map[string]any{
			"type":          map[string]any{"enum": []any{"vbr", "em", "vspc"}, "description": "The API: vbr (Backup & Replication), em (Enterprise Manager) or vspc (Service Provider Console)."},
			"url":           str("Base URL, e.g. https://vbr.example.com:9419."),
			"username":      str("User name."),
			"password":      str("Password; use ${{ secret('NAME') }}."),
			"api_version":   apiVersionProperty(vbr.RevisionNames()),
			"tls":           ref("tls"),
			"insecure_http": boolean("Allow a plain http:// url (such as `vplay sim --http`): the password and tokens travel unencrypted (warned about)."),
			"page_size": map[string]any{"type": "integer", "minimum": 1, "maximum": 1000,
				"description": "Objects per page of a list (default: the largest the API documents, VBR 200, VSPC 500)."},
			"page_concurrency": map[string]any{"type": "integer", "minimum": 1, "maximum": 32,
				"description": "Pages (and filtered reads) of this target fetched at once (default 4)."},
			"poll_floor": map[string]any{"$ref": "#/$defs/duration",
				"description": "Shortest wait between two polls of a session, task or action (default 10ms)."},
			"timeout": map[string]any{"$ref": "#/$defs/duration", "description": "How long one HTTP request to the target may take (default 60s)."},
		},
	}
	defs["tls"] = map[string]any{
		"type": "object", "additionalProperties": false,
		"description": "How the server certificate is verified: exactly one of ca_file, fingerprint, insecure.",
		"properties": map[string]any{
			"ca_file":     str("PEM file of the CA (relative to the playbook)."),
			"fingerprint": str("Pin of the server certificate: sha256:<hex>."),
			"insecure":    boolean("Skip verification (warned about)."),
		},
	}
	defs["data"] = map[string]any{
		"type": "object", "additionalProperties": false, "required": []any{"query"},
		"properties": map[string]any{
			"target": str("Target to query; defaults to the only target of the query's API."),
			"query":  map[string]any{"enum": queryNames, "description": "The data query."},
			"params": map[string]any{"type": []any{"object", "string"}, "description": "Query parameters."},
			"where":  str("Boolean expression over the item's fields, e.g. name == \"linux01\"."),
			"one":    boolean("Exactly one item must match; data.NAME is that item."),
		},
		"allOf": queryRules,
	}
	defs["resource"] = map[string]any{
		"type": "object", "additionalProperties": false, "required": []any{"kind", "name"},
		"properties": map[string]any{
			"kind":       map[string]any{"enum": kindNames, "description": "Resource kind."},
			"target":     str("Target the resource lives on; defaults to the only target of the kind's API."),
			"name":       str("Name: with target and kind, the resource's identity."),
			"for_each":   ref("for_each"),
			"spec":       map[string]any{"type": []any{"object", "string"}, "description": "Desired state in the vendor's field names."},
			"state":      map[string]any{"anyOf": []any{map[string]any{"enum": []any{"present", "absent"}}, ref("template")}, "description": "present (default) or absent, or an expression yielding one."},
			"policy":     map[string]any{"anyOf": []any{map[string]any{"enum": []any{"manage", "observe", "update_only", "no_delete"}}, ref("template")}, "description": "manage (default), observe, update_only or no_delete, or an expression yielding one."},
			"options":    map[string]any{"type": "object", "description": "Kind-specific options, e.g. delete_backups, token_file."},
			"depends_on": map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "Resources to converge first: KIND or KIND/NAME."},
		},
		"allOf": kindRules,
	}
	defs["prune"] = map[string]any{
		"type": "object", "additionalProperties": false, "required": []any{"kind"},
		"description": "The live objects of this kind on this target that match (names and where) are owned by the playbook: those no resource declares are planned for deletion.",
		"properties": map[string]any{
			"kind":   map[string]any{"enum": deletableNames, "description": "Resource kind (one that supports delete)."},
			"target": str("Target the objects live on; defaults to the only target of the kind's API."),
			"names": map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"type": "string", "minLength": 1},
				"description": "Globs over object names: * matches any run of characters, ? one character."},
			"where": str("Boolean expression over the object's fields, e.g. description == \"Managed by vplay\"."),
			"max_deletes": map[string]any{"type": "integer", "minimum": 1,
				"description": "At most this many deletions by this selector in one run (default 10); past it the plan is refused."},
			"policy": map[string]any{"enum": []any{"manage", "observe", "update_only", "no_delete"},
				"description": "Policy for the objects this selector would delete; default: the most restrictive policy of the declared resources it also matches."},
		},
	}
	defs["step"] = map[string]any{
		"type": "object", "additionalProperties": false, "required": []any{"id", "action"},
		"properties": map[string]any{
			"id":                map[string]any{"type": "string", "pattern": identPattern, "description": "Step id; later steps read steps.ID."},
			"name":              str("Display name."),
			"action":            map[string]any{"enum": actionNames, "description": "The action."},
			"target":            str("Target to act on; defaults to the only target of the action's API."),
			"when":              ref("expression"),
			"for_each":          ref("for_each"),
			"with":              map[string]any{"type": []any{"object", "string"}, "description": "The action's inputs."},
			"timeout":           ref("duration"),
			"continue_on_error": boolean("Keep going when the step fails."),
			"retries": map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
				"count": map[string]any{"type": "integer", "minimum": 0},
				"delay": ref("duration"),
			}},
			"until":    ref("expression"),
			"parallel": map[string]any{"type": "integer", "minimum": 1, "description": "Loop items run at once."},
		},
		"allOf": actionRules,
	}
	doc := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  ID,
		"title":                "vplay playbook",
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"vplay"},
		"properties": map[string]any{
			"vplay":       map[string]any{"const": 1, "description": "Format version: 1."},
			"name":        str("Playbook name."),
			"description": str("What the playbook is for."),
			"targets":     named("Named API endpoints.", ref("target")),
			"vars":        map[string]any{"type": "object", "propertyNames": map[string]any{"pattern": identPattern}, "description": "Variables (vars.NAME), overridable with --var and --var-file."},
			"data":        named("Read-only queries of live state (data.NAME).", ref("data")),
			"resources":   map[string]any{"type": "array", "items": ref("resource")},
			"steps":       map[string]any{"type": "array", "items": ref("step")},
			"prune":       map[string]any{"type": "array", "items": ref("prune"), "description": "Selectors of the live objects the playbook owns; matching objects no resource declares are deleted."},
		},
		"$defs": defs,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode playbook schema: %w", err)
	}
	return buf.Bytes(), nil
}

// embed stores an entry's schema under $defs as its own resource (with an
// $id, so its internal #/$defs references keep working) and returns a
// reference to it.
func embed(defs map[string]any, group, name string, s map[string]any) (map[string]any, error) {
	var c map[string]any
	if s == nil {
		c = map[string]any{}
	} else {
		b, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("schema of %s: %w", name, err)
		}
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("schema of %s: %w", name, err)
		}
	}
	delete(c, "$schema")
	acceptTemplates(c)
	id := group + "/" + name + ".json"
	c["$id"] = id
	defs[group+":"+name] = c
	return map[string]any{"$ref": id}, nil
}

// rule applies ref to field when the discriminator key equals name.
func rule(key, name, field string, ref map[string]any) map[string]any {
	return map[string]any{
		"if": map[string]any{
			"properties": map[string]any{key: map[string]any{"const": name}},
			"required":   []any{key},
		},
		"then": map[string]any{"properties": map[string]any{field: ref}},
	}
}

// requiredKeys returns the required keys a schema lists; for alternatives
// (anyOf, oneOf: one per VBR revision) those every alternative requires.
func requiredKeys(s map[string]any) []string {
	for _, k := range []string{"anyOf", "oneOf"} {
		alts, _ := s[k].([]any)
		if len(alts) == 0 {
			continue
		}
		var common []string
		for i, alt := range alts {
			m, _ := alt.(map[string]any)
			keys := requiredKeys(m)
			if i == 0 {
				common = keys
				continue
			}
			common = slices.DeleteFunc(common, func(k string) bool { return !slices.Contains(keys, k) })
		}
		return common
	}
	switch r := s["required"].(type) {
	case []string:
		return r
	case []any:
		out := make([]string, 0, len(r))
		for _, k := range r {
			if k, ok := k.(string); ok {
				out = append(out, k)
			}
		}
		return out
	}
	return nil
}
