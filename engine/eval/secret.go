package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// MinKnownLen is the shortest value KnownSecrets masks in free text: a
// shorter value (a one-letter password) would blank out ordinary words.
// Such values are still shown as "(sensitive)" wherever they travel as a
// Secret.
const MinKnownLen = 4

// KnownSecrets is the set of secret values a run has seen: every secret()
// value, the target passwords, the tokens and session ids the clients
// obtained, recovery tokens and the values of sensitive environment
// variables. Every output channel masks them through one KnownSecrets: the
// plan and the apply events (engine), the journals and saved plans (when
// serialised), the debug trace (veeam) and stdout and stderr (Writer). A nil
// *KnownSecrets knows nothing and masks nothing. It is safe for concurrent
// use.
type KnownSecrets struct {
	mu      sync.RWMutex
	byFirst [256][]string   // every form of every value, by first byte, longest first
	count   int             // number of forms
	names   map[string]bool // environment variables read with secret()
}

// NewKnownSecrets returns an empty set.
func NewKnownSecrets() *KnownSecrets {
	return &KnownSecrets{names: map[string]bool{}}
}

// Add records secret values. Each value is also recorded in the forms in
// which output may carry it: JSON-escaped, Go-quoted, URL-encoded and
// HTML/XML-escaped. Values shorter than MinKnownLen are ignored.
func (k *KnownSecrets) Add(values ...string) {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, v := range values {
		if len(v) < MinKnownLen {
			continue
		}
		for _, f := range encodings(v) {
			forms := k.byFirst[f[0]]
			if slices.Contains(forms, f) {
				continue
			}
			forms = append(forms, f)
			slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
			k.byFirst[f[0]] = forms
			k.count++
		}
	}
}

// encodings returns v and the escaped forms output may carry it in.
func encodings(v string) []string {
	out := []string{v}
	add := func(s string) {
		if len(s) >= MinKnownLen && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) == nil {
		add(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(b.String(), "\n"), `"`), `"`))
	}
	if j, err := json.Marshal(v); err == nil {
		add(string(j[1 : len(j)-1]))
	}
	q := strconv.Quote(v)
	add(q[1 : len(q)-1])
	add(url.QueryEscape(v))
	add(url.PathEscape(v))
	add(html.EscapeString(v))
	return out
}

// AddName records that the environment variable name is read with
// secret(): its value is sensitive when read as env.NAME too.
func (k *KnownSecrets) AddName(name string) {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.names[name] = true
}

// SensitiveEnv reports whether env.NAME holds a secret: the playbook also
// reads NAME with secret(), or the name looks secret (SensitiveEnvName).
func (k *KnownSecrets) SensitiveEnv(name string) bool {
	if SensitiveEnvName(name) {
		return true
	}
	if k == nil {
		return false
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.names[name]
}

// SensitiveEnvName reports whether an environment variable's name says it
// holds a secret: it contains PASSWORD, TOKEN, SECRET or KEY (in any case).
func SensitiveEnvName(name string) bool {
	n := strings.ToUpper(name)
	for _, w := range []string{"PASSWORD", "TOKEN", "SECRET", "KEY"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// mask replaces every known form in s. At each position the longest
// complete form wins. With hold set, a tail of s that a known form could
// still complete (the rest arriving in a later write) is not written: mask
// returns its length as held.
func (k *KnownSecrets) mask(dst *strings.Builder, s string, hold bool) (held int) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.count == 0 {
		dst.WriteString(s)
		return 0
	}
	last := 0 // s[last:i] is plain text not yet copied
	for i := 0; i < len(s); {
		forms := k.byFirst[s[i]]
		if len(forms) == 0 {
			i++
			continue
		}
		rest := s[i:]
		match := ""
		for _, f := range forms {
			if hold && len(f) > len(rest) && strings.HasPrefix(f, rest) {
				dst.WriteString(s[last:i])
				return len(rest)
			}
			if match == "" && strings.HasPrefix(rest, f) {
				match = f
			}
		}
		if match == "" {
			i++
			continue
		}
		dst.WriteString(s[last:i])
		dst.WriteString(Masked)
		i += len(match)
		last = i
	}
	dst.WriteString(s[last:])
	return 0
}

func (k *KnownSecrets) empty() bool {
	if k == nil {
		return true
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.count == 0
}

// Mask returns s with every known value replaced by "(sensitive)".
func (k *KnownSecrets) Mask(s string) string {
	if k.empty() {
		return s
	}
	var b strings.Builder
	k.mask(&b, s, false)
	return b.String()
}

// MaskBytes is Mask for a byte slice (a serialised journal or plan).
func (k *KnownSecrets) MaskBytes(b []byte) []byte {
	if k.empty() {
		return b
	}
	return []byte(k.Mask(string(b)))
}

// MaskValue returns a JSON-like value (maps, lists, scalars) in which every
// string has its known values masked, and reports whether anything was
// masked. It never modifies v: maps and lists that needed masking are
// copied, the rest is returned as it is. Secrets stay Secrets.
func (k *KnownSecrets) MaskValue(v any) (any, bool) {
	if k.empty() {
		return v, false
	}
	switch v := v.(type) {
	case string:
		m := k.Mask(v)
		return m, m != v
	case map[string]any:
		var out map[string]any
		for key, e := range v {
			m, ok := k.MaskValue(e)
			if !ok {
				continue
			}
			if out == nil {
				out = maps.Clone(v)
			}
			out[key] = m
		}
		if out == nil {
			return v, false
		}
		return out, true
	case []any:
		var out []any
		for i, e := range v {
			m, ok := k.MaskValue(e)
			if !ok {
				continue
			}
			if out == nil {
				out = slices.Clone(v)
			}
			out[i] = m
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return v, false
}

// MaskError returns err with known values masked in its message. The
// result wraps err, so errors.Is and errors.As still see the original
// chain; err is returned as it is when nothing needed masking.
func (k *KnownSecrets) MaskError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	m := k.Mask(msg)
	if m == msg {
		return err
	}
	return &maskedError{msg: m, err: err}
}

type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// Writer returns a writer that masks every known value in what passes
// through it to w. A value split over two writes is still masked: a tail
// that could begin a known value is held back until the next write or
// Flush. Writes are serialised, so one Writer may be shared by goroutines.
func (k *KnownSecrets) Writer(w io.Writer) *MaskWriter {
	return &MaskWriter{k: k, w: w}
}

// MaskWriter is the masking writer of one output stream (see
// KnownSecrets.Writer).
type MaskWriter struct {
	mu      sync.Mutex
	k       *KnownSecrets
	w       io.Writer
	pending string
}

// Write masks p (after what was held back before) and writes all of it
// except a tail that a known value could still complete. It reports
// len(p) on success.
func (m *MaskWriter) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.k.empty() {
		if _, err := m.w.Write(p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	s := m.pending + string(p)
	var b strings.Builder
	held := m.k.mask(&b, s, true)
	m.pending = s[len(s)-held:]
	if _, err := io.WriteString(m.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what was held back, masked.
func (m *MaskWriter) Flush() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pending == "" {
		return nil
	}
	out := m.k.Mask(m.pending)
	m.pending = ""
	_, err := io.WriteString(m.w, out)
	return err
}

// Unwrap returns the stream the writer masks for, so callers can tell a
// terminal from a pipe (and hand a terminal UI, which masks its model
// instead, the raw stream).
func (m *MaskWriter) Unwrap() io.Writer { return m.w }
