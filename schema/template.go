package schema

import "slices"

// TemplatePattern is what a ${{ }} template scalar looks like: the schema
// accepts it wherever a typed value is expected, because its value is only
// known when the playbook runs (vplay validate checks it then).
const TemplatePattern = `^\s*\$\{\{[\s\S]*\}\}\s*$`

// templateSchema is the alternative that accepts a template.
func templateSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": TemplatePattern}
}

// acceptTemplates rewrites an entry schema (a kind's spec, an action's
// with, a query's params) so that every typed value also accepts a ${{ }}
// template, as vplay validate does; editors and other validators then agree
// with it. Literal values are checked as before:
//   - a type without "string" gains "string" with the template pattern (a
//     pattern constrains strings only), so 4 and "${{ vars.n }}" pass and
//     "four" does not;
//   - enum, format and string constraints (pattern, length) move into
//     anyOf [constraints, template].
//
// const stays as it is: consts discriminate oneOf branches, and a template
// matching every branch would make the oneOf ambiguous.
func acceptTemplates(node any) {
	switch n := node.(type) {
	case []any:
		for _, it := range n {
			acceptTemplates(it)
		}
	case map[string]any:
		for k, v := range n {
			switch k {
			case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
				if m, ok := v.(map[string]any); ok {
					for _, s := range m {
						acceptTemplates(s)
					}
				}
			case "oneOf":
				oneOfTemplates(v)
			case "items", "additionalProperties", "anyOf", "allOf", "prefixItems", "not", "then", "else", "contains":
				acceptTemplates(v)
			}
		}
		templateNode(n)
	}
}

// oneOfTemplates rewrites the branches of a oneOf so that exactly one of
// them accepts a template (two would make the oneOf fail): none more when a
// branch takes strings already, else the first typed branch.
func oneOfTemplates(v any) {
	branches, _ := v.([]any)
	widen := -1
	for i, b := range branches {
		m, _ := b.(map[string]any)
		types := typeList(m["type"])
		if slices.Contains(types, "string") {
			widen = -1
			break
		}
		if widen < 0 && len(types) > 0 {
			widen = i
		}
	}
	for i, b := range branches {
		m, ok := b.(map[string]any)
		if !ok {
			continue
		}
		if i == widen || slices.Contains(typeList(m["type"]), "string") {
			acceptTemplates(m)
			continue
		}
		// Keep this branch's own type; rewrite what it contains.
		t, hasType := m["type"]
		delete(m, "type")
		acceptTemplates(m)
		if hasType {
			m["type"] = t
		}
	}
}

// templateNode applies the rewrite to one schema object.
func templateNode(n map[string]any) {
	if _, ok := n["$ref"]; ok {
		return
	}
	constraints := []string{"enum", "format", "pattern", "minLength", "maxLength"}
	types := typeList(n["type"])
	if len(types) > 0 && !slices.Contains(types, "string") {
		n["type"] = append(types, "string")
		n["pattern"] = TemplatePattern
		constraints = []string{"enum"}
	}
	moved := map[string]any{}
	for _, k := range constraints {
		if v, ok := n[k]; ok {
			moved[k] = v
			delete(n, k)
		}
	}
	if len(moved) == 0 {
		return
	}
	alt := map[string]any{"anyOf": []any{moved, templateSchema()}}
	if _, ok := n["anyOf"]; !ok {
		n["anyOf"] = alt["anyOf"]
		return
	}
	all, _ := n["allOf"].([]any)
	n["allOf"] = append(all, alt)
}

// typeList reads a schema's "type" as a list.
func typeList(t any) []any {
	switch t := t.(type) {
	case string:
		return []any{t}
	case []any:
		return slices.Clone(t)
	}
	return nil
}
