package render

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/engine"
)

// normalize converts a JSON-like value to the canonical forms the renderers
// handle: nil, bool, string, json.Number, map[string]any and []any. Other
// Go types (ints, floats, typed slices and maps, structs) go through a JSON
// round trip, so they render as their JSON form.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, bool, string, json.Number:
		return v
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case int:
		return json.Number(strconv.Itoa(x))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case float64:
		b, err := json.Marshal(x)
		if err != nil { // NaN or Inf: not JSON, show as Go prints it
			return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
		}
		return json.Number(b)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return string(b)
	}
	return out
}

// isSensitive reports whether v is the engine's placeholder for a secret.
func isSensitive(v any) bool {
	s, ok := v.(string)
	return ok && s == engine.Sensitive
}

// isLongString reports whether a string is shown as a block with a
// word-level diff rather than inline: longer than 60 characters or spanning
// several lines.
func isLongString(v any) bool {
	s, ok := v.(string)
	if !ok || isSensitive(v) {
		return false
	}
	return strings.Contains(s, "\n") || len([]rune(s)) > 60
}

// inline renders a normalized value on one line: strings JSON-quoted,
// numbers as written, secrets as (sensitive), objects and lists compact.
func inline(v any) string {
	var sb strings.Builder
	writeInline(&sb, v)
	return sb.String()
}

func writeInline(sb *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		sb.WriteString("null")
	case bool:
		sb.WriteString(strconv.FormatBool(x))
	case json.Number:
		sb.WriteString(string(x))
	case string:
		if x == engine.Sensitive {
			sb.WriteString(engine.Sensitive)
			return
		}
		sb.WriteString(quote(x))
	case map[string]any:
		if len(x) == 0 {
			sb.WriteString("{}")
			return
		}
		sb.WriteString("{ ")
		for i, k := range sortedKeys(x) {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(keyLabel(k))
			sb.WriteString(" = ")
			writeInline(sb, x[k])
		}
		sb.WriteString(" }")
	case []any:
		sb.WriteString("[")
		for i, e := range x {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeInline(sb, e)
		}
		sb.WriteString("]")
	default:
		writeInline(sb, normalize(v))
	}
}

// quote renders s as a JSON string without HTML escaping.
func quote(s string) string {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return strconv.Quote(s)
	}
	return strings.TrimSuffix(sb.String(), "\n")
}

// keyLabel renders an object key, quoting it when it is not a plain name.
func keyLabel(k string) string {
	if k == "" {
		return `""`
	}
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return quote(k)
		}
	}
	return k
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// equalValues compares two normalized values; numbers compare by value, so
// 3 and 3.0 are equal.
func equalValues(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		rx, okx := new(big.Rat).SetString(string(x))
		ry, oky := new(big.Rat).SetString(string(y))
		return okx && oky && rx.Cmp(ry) == 0
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, e := range x {
			f, ok := y[k]
			if !ok || !equalValues(e, f) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i]) {
				return false
			}
		}
		return true
	case nil, bool, string:
		return reflect.TypeOf(a) == reflect.TypeOf(b) && a == b
	}
	return false
}

// canonical renders a normalized value as a key that is equal for values
// equalValues calls equal (numbers in lowest terms, keys sorted).
func canonical(v any) string {
	var sb strings.Builder
	writeCanonical(&sb, v)
	return sb.String()
}

func writeCanonical(sb *strings.Builder, v any) {
	switch x := v.(type) {
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(x)); ok {
			sb.WriteString("n:")
			sb.WriteString(r.RatString())
			return
		}
		sb.WriteString(string(x))
	case map[string]any:
		sb.WriteByte('{')
		for _, k := range sortedKeys(x) {
			sb.WriteString(quote(k))
			sb.WriteByte(':')
			writeCanonical(sb, x[k])
			sb.WriteByte(',')
		}
		sb.WriteByte('}')
	case []any:
		sb.WriteByte('[')
		for _, e := range x {
			writeCanonical(sb, e)
			sb.WriteByte(',')
		}
		sb.WriteByte(']')
	default:
		writeInline(sb, v)
	}
}
