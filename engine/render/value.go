package render

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/engine"
)

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
		// The engine hands plain values; anything else shows as its JSON.
		b, err := json.Marshal(v)
		if err != nil {
			fmt.Fprint(sb, v)
			return
		}
		sb.Write(b)
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
