package vbrsim

import (
	"encoding/json"
	"math"
	"strings"
	"time"
)

// maxGenDepth bounds how deep the generator fills optional fields; below it
// only required fields (and fields the hint gives) are filled.
const maxGenDepth = 5

// hardGenDepth stops the generator outright (recursive required fields).
const hardGenDepth = 24

// generator builds JSON values that match a revision's schemas.
//
// A value is built from its schema and a hint: a vendor example, a request
// body or a stored object. The hint's values are used wherever they fit the
// schema (type, enum, format), so a create reads back what the client sent;
// fields the schema does not define are dropped; the rest comes from the
// schema's default, its example, or a plausible value of the right type.
type generator struct {
	m     *revModel
	now   time.Time
	newID func() string
	// sparse fills only required fields the hint lacks (conforming an
	// existing object rather than building a new one).
	sparse bool
}

// value generates a value of schema s (a schema or a $ref to one), named
// key in its parent, guided by hint.
func (g *generator) value(s any, key string, hint any, depth int) any {
	sm := g.m.deref(s)
	if sm == nil || depth > hardGenDepth {
		return hint
	}
	if parts := asList(sm["allOf"]); len(parts) > 0 {
		if own := without(sm, "allOf"); own["properties"] != nil || own["required"] != nil {
			parts = append(parts, any(own))
		}
		out := map[string]any{}
		for _, p := range parts {
			switch v := g.value(p, key, hint, depth).(type) {
			case map[string]any:
				for k, e := range v {
					out[k] = e
				}
			case nil:
			default:
				return v // allOf wrapping a scalar schema (an enum)
			}
		}
		return out
	}
	branches := append(asList(sm["oneOf"]), asList(sm["anyOf"])...)
	if disc, ok := sm["discriminator"].(map[string]any); ok && len(branches) == 0 {
		// A discriminator with a mapping and no oneOf: the mapped schemas
		// are the branches.
		mapping, _ := disc["mapping"].(map[string]any)
		for _, k := range sortedKeys(mapping) {
			branches = append(branches, map[string]any{"$ref": mapping[k]})
		}
	}
	if len(branches) > 0 {
		return g.polymorphic(sm, branches, key, hint, depth)
	}
	typ, _ := sm["type"].(string)
	if typ == "" {
		switch {
		case sm["properties"] != nil || sm["additionalProperties"] != nil:
			typ = "object"
		case sm["items"] != nil:
			typ = "array"
		case sm["enum"] != nil:
			typ = "string"
		default:
			return hint
		}
	}
	switch typ {
	case "object":
		return g.object(sm, hint, depth)
	case "array":
		return g.array(sm, key, hint, depth)
	case "string":
		return g.str(sm, key, hint)
	case "integer", "number":
		return g.number(sm, typ, hint)
	case "boolean":
		for _, v := range []any{hint, sm["default"], sm["example"]} {
			if b, ok := v.(bool); ok {
				return b
			}
		}
		return false
	}
	return hint
}

func without(m map[string]any, drop ...string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, d := range drop {
		delete(out, d)
	}
	return out
}

// polymorphic generates a oneOf/anyOf schema: the branch the hint's
// discriminator value names (else the first), the parent's own fields, and
// the discriminator property set to the branch's mapping key.
func (g *generator) polymorphic(sm map[string]any, branches []any, key string, hint any, depth int) any {
	disc, _ := sm["discriminator"].(map[string]any)
	prop, _ := disc["propertyName"].(string)
	mapping, _ := disc["mapping"].(map[string]any)
	hm, _ := hint.(map[string]any)
	branch := branches[0]
	if want, ok := hm[prop].(string); ok && prop != "" {
		for k, ref := range mapping {
			if strings.EqualFold(k, want) {
				branch = map[string]any{"$ref": ref}
			}
		}
	}
	out := map[string]any{}
	if own := without(sm, "oneOf", "anyOf", "discriminator"); own["properties"] != nil {
		if v, ok := g.value(own, key, hint, depth).(map[string]any); ok {
			out = v
		}
	}
	v := g.value(branch, key, hint, depth)
	bm, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, e := range bm {
		out[k] = e
	}
	if prop != "" {
		ref, _ := branch.(map[string]any)["$ref"].(string)
		name := ref[strings.LastIndex(ref, "/")+1:]
		for _, k := range sortedKeys(mapping) {
			if mapping[k] == ref {
				name = k
				break
			}
		}
		if name != "" {
			out[prop] = name
		}
	}
	return out
}

func (g *generator) object(sm map[string]any, hint any, depth int) any {
	hm, _ := hint.(map[string]any)
	if hm == nil {
		if ex, ok := sm["example"].(map[string]any); ok {
			hm = ex
		}
	}
	out := map[string]any{}
	req := map[string]bool{}
	for _, r := range asList(sm["required"]) {
		if s, ok := r.(string); ok {
			req[s] = true
		}
	}
	props, _ := sm["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		hv, given := hm[name]
		if given && hv == nil && !req[name] {
			continue
		}
		if !given && !req[name] && (depth >= maxGenDepth || g.sparse && hint != nil) {
			continue
		}
		if !given && !req[name] && isWriteOnly(g.m.deref(props[name])) {
			continue
		}
		if v := g.value(props[name], name, hv, depth+1); v != nil {
			out[name] = v
		}
	}
	// A few vendor schemas require names they do not define (1.1-rev0
	// ServerInfoModel.vbrInstallationId): present, any value.
	for _, name := range sortedKeys(req) {
		if _, ok := out[name]; !ok && props[name] == nil {
			if hv, ok := hm[name]; ok && hv != nil {
				out[name] = hv
			} else {
				out[name] = name
			}
		}
	}
	if ap, ok := sm["additionalProperties"].(map[string]any); ok && len(props) == 0 {
		for _, k := range sortedKeys(hm) {
			out[k] = g.value(ap, k, hm[k], depth+1)
		}
	}
	return out
}

func isWriteOnly(s map[string]any) bool {
	w, _ := s["writeOnly"].(bool)
	return w
}

func (g *generator) array(sm map[string]any, key string, hint any, depth int) any {
	items := sm["items"]
	if hl, ok := hint.([]any); ok {
		out := make([]any, 0, len(hl))
		for _, h := range hl {
			if v := g.value(items, key, h, depth+1); v != nil {
				out = append(out, v)
			}
		}
		return out
	}
	n := 0
	if f, ok := num(sm["minItems"]); ok {
		n = int(f)
	}
	if n == 0 && depth < maxGenDepth-1 {
		n = 1
	}
	out := make([]any, 0, n)
	for range n {
		if v := g.value(items, key, nil, depth+1); v != nil {
			out = append(out, v)
		}
	}
	return out
}

func (g *generator) str(sm map[string]any, key string, hint any) any {
	if enum := asList(sm["enum"]); len(enum) > 0 {
		for _, c := range []any{hint, sm["default"], sm["example"]} {
			cs, ok := c.(string)
			if !ok {
				continue
			}
			for _, e := range enum {
				if es, ok := e.(string); ok && strings.EqualFold(es, cs) {
					return es
				}
			}
		}
		return enum[0]
	}
	format, _ := sm["format"].(string)
	for _, c := range []any{hint, sm["default"], sm["example"]} {
		if cs, ok := c.(string); ok && fitsFormat(format, cs) {
			if format == "date-time" {
				if t, err := parseTime(cs); err == nil {
					return formatTime(t)
				}
			}
			return cs
		}
	}
	switch format {
	case "uuid":
		return g.newID()
	case "date-time":
		return formatTime(g.now)
	case "date":
		return g.now.UTC().Format(time.DateOnly)
	case "ipv4":
		return "172.17.53.10"
	case "ipv6":
		return "fd00::10"
	case "uri":
		return "https://vbr01.tech.local/"
	case "email":
		return "admin@tech.local"
	case "byte":
		return "dmVlYW0="
	case "password":
		return ""
	}
	switch key {
	case "name":
		return "Object 1"
	case "description":
		return "Created by vplay sim"
	}
	return key
}

// fitsFormat reports whether s is a valid value of the string format.
func fitsFormat(format, s string) bool {
	switch format {
	case "uuid":
		return uuidRE.MatchString(s)
	case "date-time", "date":
		_, err := parseTime(s)
		return err == nil
	}
	return true
}

func (g *generator) number(sm map[string]any, typ string, hint any) any {
	lo, hasLo := num(sm["minimum"])
	hi, hasHi := num(sm["maximum"])
	fits := func(f float64) bool {
		return (!hasLo || f >= lo) && (!hasHi || f <= hi) && (typ == "number" || f == math.Trunc(f))
	}
	for _, c := range []any{hint, sm["default"], sm["example"]} {
		if f, ok := num(c); ok && fits(f) {
			return jsonNumber(f)
		}
	}
	f := 1.0
	if hasLo && f < lo {
		f = lo
	}
	if hasHi && f > hi {
		f = hi
	}
	return jsonNumber(f)
}

func num(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func jsonNumber(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}

// formatTime writes a time as the vendor does: UTC offset, at most seven
// fractional digits (.NET's DateTime resolution).
func formatTime(t time.Time) string {
	return t.Truncate(100 * time.Nanosecond).Format("2006-01-02T15:04:05.9999999Z07:00")
}
