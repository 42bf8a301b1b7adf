package eval

import (
	"fmt"
	"io"
	"maps"
)

// Masked is what every rendering of a Secret shows.
const Masked = "(sensitive)"

// Secret is a sensitive string. Every way of printing it (String, Format,
// GoString, MarshalJSON, MarshalText) yields "(sensitive)"; only Reveal
// returns the value, for sending it to a server.
type Secret struct {
	v string
}

// NewSecret wraps s as a sensitive value.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the plain value. Call it only to send the value to a
// server or a declared sink, never to render it.
func (s Secret) Reveal() string { return s.v }

// String returns "(sensitive)".
func (Secret) String() string { return Masked }

// GoString returns "(sensitive)", so %#v does not leak either.
func (Secret) GoString() string { return Masked }

// Format prints "(sensitive)" for every verb.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, Masked) }

// MarshalJSON encodes the placeholder, never the value.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Masked + `"`), nil }

// MarshalText encodes the placeholder, never the value.
func (Secret) MarshalText() ([]byte, error) { return []byte(Masked), nil }

// Reveal deep-copies v replacing every Secret with its plain string. Use it
// only on documents about to be sent to a server.
func Reveal(v any) any {
	return walkCopy(v, func(s Secret) any { return s.v })
}

// Mask deep-copies v replacing every Secret with "(sensitive)".
func Mask(v any) any {
	return walkCopy(v, func(Secret) any { return Masked })
}

// IsSensitive reports whether v is or contains a Secret.
func IsSensitive(v any) bool {
	switch v := v.(type) {
	case Secret, *Secret:
		return true
	case map[string]any:
		for _, e := range v {
			if IsSensitive(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if IsSensitive(e) {
				return true
			}
		}
	}
	return false
}

func walkCopy(v any, f func(Secret) any) any {
	switch v := v.(type) {
	case Secret:
		return f(v)
	case *Secret:
		if v == nil {
			return nil
		}
		return f(*v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = walkCopy(e, f)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = walkCopy(e, f)
		}
		return out
	}
	return v
}

// deepCopy copies maps and lists so callers may modify what Eval returns.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := maps.Clone(v)
		for k, e := range out {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
