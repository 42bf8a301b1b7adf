package render

import (
	"io"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/vplay-dev/vplay/engine"
)

// Clean returns s safe to print on a terminal: escape sequences (CSI, OSC
// and the like: clearing the screen, setting the window title, moving the
// cursor), other C0 and C1 control characters except newline and tab, DEL,
// the bidirectional overrides and isolates (U+202A..U+202E,
// U+2066..U+2069) and invalid UTF-8 (as U+FFFD) are removed. Servers' words
// (error messages, session log lines, object names) pass through it in
// text, Markdown and the terminal UI; JSON keeps the exact string.
func Clean(s string) string {
	if plain(s, true) {
		return s
	}
	var b strings.Builder
	clean(&b, s, true, false)
	return b.String()
}

// CleanLine is Clean for text laid out on one line: newlines, carriage
// returns and tabs become spaces, so a server cannot forge output lines.
func CleanLine(s string) string {
	if plain(s, false) {
		return s
	}
	var b strings.Builder
	clean(&b, s, false, false)
	return b.String()
}

// plain reports whether s has nothing Clean would change.
func plain(s string, layout bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c == 0x7f || (c < 0x20 && !(layout && (c == '\n' || c == '\t'))) {
			return false
		}
	}
	return true
}

// bidiControl reports whether r overrides or isolates text direction.
func bidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// clean writes the cleaned s to b. With hold set it stops before an escape
// sequence or UTF-8 encoding that s cuts short and returns its length, so a
// stream can wait for the rest.
func clean(b *strings.Builder, s string, layout, hold bool) (held int) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			n, complete := escapeLen(s[i:])
			if !complete && hold {
				return len(s) - i
			}
			i += n
			continue
		case c == '\n' || c == '\t' || c == '\r':
			switch {
			case layout && c != '\r':
				b.WriteByte(c)
			case !layout:
				b.WriteByte(' ')
			}
			i++
			continue
		case c < 0x20 || c == 0x7f:
			i++
			continue
		case c < 0x80:
			b.WriteByte(c)
			i++
			continue
		}
		if hold && !utf8.FullRuneInString(s[i:]) {
			return len(s) - i
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if kind, ok := c1Introducer[r]; ok {
			m, complete := seqBody(kind, s[i+n:])
			if !complete && hold {
				return len(s) - i
			}
			i += n + m
			continue
		}
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteRune(utf8.RuneError)
		case (r >= 0x80 && r <= 0x9f) || bidiControl(r):
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return 0
}

// c1Introducer maps the C1 controls that open a sequence (CSI, OSC, DCS,
// SOS, PM, APC) to the character that follows ESC in their 7-bit form.
var c1Introducer = map[rune]byte{0x9b: '[', 0x9d: ']', 0x90: 'P', 0x98: 'X', 0x9e: '^', 0x9f: '_'}

// escapeLen returns the length of the escape sequence at the start of s
// (which begins with ESC) and whether it is complete: CSI (ESC [ ...
// final byte), OSC, DCS, SOS, PM and APC (up to BEL or ST), or ESC and one
// more character.
func escapeLen(s string) (int, bool) {
	if len(s) < 2 {
		return len(s), false
	}
	switch s[1] {
	case '[', ']', 'P', 'X', '^', '_':
		n, ok := seqBody(s[1], s[2:])
		return 2 + n, ok
	}
	return 2, true
}

// seqBody returns the length of a sequence's body after its introducer
// (kind as in the 7-bit form) and whether it is complete: a CSI ends with
// its final byte, the string sequences with BEL or ST (ESC \ or U+009C).
func seqBody(kind byte, s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if kind == '[' {
			if c >= 0x40 && c <= 0x7e {
				return i + 1, true
			}
			continue
		}
		switch {
		case c == 0x07:
			return i + 1, true
		case c == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2, true
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c:
			return i + 2, true
		}
	}
	return len(s), false
}

// maxHeld bounds how much of an unfinished escape sequence CleanWriter
// waits for before dropping it.
const maxHeld = 4 << 10

// CleanWriter returns a writer that cleans everything written through it
// to w as Clean does, for streams that never carry styling of their own
// (stderr: errors, warnings, the debug trace). A sequence split over two
// writes is still removed whole. It is safe for concurrent use; Flush
// writes what is held back.
func CleanWriter(w io.Writer) *CleaningWriter { return &CleaningWriter{w: w} }

// CleaningWriter is the writer CleanWriter returns.
type CleaningWriter struct {
	mu      sync.Mutex
	w       io.Writer
	pending string
}

// Write cleans p and writes it, holding back an unfinished escape sequence
// or UTF-8 encoding at its end.
func (c *CleaningWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.pending + string(p)
	var b strings.Builder
	held := clean(&b, s, true, true)
	c.pending = ""
	if held > 0 && held < maxHeld {
		c.pending = s[len(s)-held:]
	}
	if _, err := io.WriteString(c.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush drops an unfinished sequence held back (it can only be garbage)
// and writes the cleaned rest.
func (c *CleaningWriter) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.pending
	c.pending = ""
	if s == "" {
		return nil
	}
	_, err := io.WriteString(c.w, Clean(s))
	return err
}

// Unwrap returns the stream written to.
func (c *CleaningWriter) Unwrap() io.Writer { return c.w }

// CleanPlan returns a copy of p whose texts are cleaned for a terminal:
// names, ids, reasons, step summaries and items on one line (CleanLine),
// the strings inside live and declared documents with Clean. Text,
// Markdown and the terminal UI lay out the copy; JSON uses p as it is.
func CleanPlan(p *engine.Plan) *engine.Plan {
	if p == nil {
		return nil
	}
	q := *p
	q.Name, q.Playbook = CleanLine(p.Name), CleanLine(p.Playbook)
	q.Targets = make([]engine.Target, len(p.Targets))
	for i, t := range p.Targets {
		t.Name, t.API, t.URL = CleanLine(t.Name), CleanLine(t.API), CleanLine(t.URL)
		q.Targets[i] = t
	}
	q.Changes = make([]engine.Change, len(p.Changes))
	for i, c := range p.Changes {
		c.Addr = cleanAddr(c.Addr)
		c.ID, c.Reason, c.Pos.File = CleanLine(c.ID), CleanLine(c.Reason), CleanLine(c.Pos.File)
		c.Before, _ = cleanValue(c.Before).(map[string]any)
		c.After, _ = cleanValue(c.After).(map[string]any)
		c.Diff = cleanDiff(p.Changes[i].Diff)
		c.DependsOn = cleanLines(c.DependsOn)
		q.Changes[i] = c
	}
	q.Steps = make([]engine.StepRun, len(p.Steps))
	for i, s := range p.Steps {
		s.Name, s.Reason, s.Summary = CleanLine(s.Name), CleanLine(s.Reason), CleanLine(s.Summary)
		s.Items = cleanLines(s.Items)
		q.Steps[i] = s
	}
	return &q
}

func cleanAddr(a engine.Addr) engine.Addr {
	return engine.Addr{Target: CleanLine(a.Target), Kind: CleanLine(a.Kind), Name: CleanLine(a.Name)}
}

func cleanLines(l []string) []string {
	if l == nil {
		return nil
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = CleanLine(s)
	}
	return out
}

// cleanValue cleans the strings (and keys) of a JSON-like value. It never
// modifies v; only maps and lists that needed cleaning are copied.
// cleanDiff returns a copy of a diff tree with its keys and values cleaned.
func cleanDiff(ns []engine.DiffNode) []engine.DiffNode {
	if ns == nil {
		return nil
	}
	out := make([]engine.DiffNode, len(ns))
	for i, n := range ns {
		n.Path = slices.Clone(n.Path)
		for j, s := range n.Path {
			n.Path[j].Key = CleanLine(s.Key)
		}
		n.Before, n.After = cleanValue(n.Before), cleanValue(n.After)
		n.Fields = cleanDiff(n.Fields)
		if n.Elements != nil {
			n.Elements = slices.Clone(n.Elements)
			for j := range n.Elements {
				e := &n.Elements[j]
				e.Before, e.After = cleanValue(e.Before), cleanValue(e.After)
			}
		}
		out[i] = n
	}
	return out
}

func cleanValue(v any) any {
	out, _ := cleanCOW(v)
	return out
}

func cleanCOW(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		c := Clean(x)
		return c, c != x
	case map[string]any:
		var vals map[string]any // cleaned values by original key
		for k, e := range x {
			if c, ok := cleanCOW(e); ok || CleanLine(k) != k {
				if vals == nil {
					vals = map[string]any{}
				}
				vals[k] = c
			}
		}
		if vals == nil {
			return v, false
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if c, ok := vals[k]; ok {
				e = c
			}
			out[CleanLine(k)] = e
		}
		return out, true
	case []any:
		var out []any
		for i, e := range x {
			c, ok := cleanCOW(e)
			if !ok {
				continue
			}
			if out == nil {
				out = append([]any(nil), x...)
			}
			out[i] = c
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return v, false
}

// cleanError keeps an error's chain but shows its message cleaned.
type cleanError struct {
	msg string
	err error
}

func (e *cleanError) Error() string { return e.msg }
func (e *cleanError) Unwrap() error { return e.err }

func cleanErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if c := CleanLine(msg); c != msg {
		return &cleanError{msg: c, err: err}
	}
	return err
}

// CleanEvent returns a copy of e whose texts (addresses, items, session
// names, states and messages, reasons, log lines, errors and the summary)
// are cleaned for one line of a terminal, for the text observer and the
// terminal UI.
func CleanEvent(e engine.Event) engine.Event {
	switch ev := e.(type) {
	case engine.ApplyStarted:
		ev.Playbook = CleanLine(ev.Playbook)
		return ev
	case engine.ResourceStarted:
		ev.Addr = cleanAddr(ev.Addr)
		return ev
	case engine.StepStarted:
		ev.Action, ev.Item = CleanLine(ev.Action), CleanLine(ev.Item)
		return ev
	case engine.Progress:
		ev.Owner, ev.Kind, ev.ID, ev.Name = CleanLine(ev.Owner), CleanLine(ev.Kind), CleanLine(ev.ID), CleanLine(ev.Name)
		ev.State, ev.Message = CleanLine(ev.State), CleanLine(ev.Message)
		return ev
	case engine.ResourceDone:
		ev.Addr, ev.Err = cleanAddr(ev.Addr), cleanErr(ev.Err)
		return ev
	case engine.StepSkipped:
		ev.Reason = CleanLine(ev.Reason)
		return ev
	case engine.StepDone:
		ev.Item, ev.Err = CleanLine(ev.Item), cleanErr(ev.Err)
		return ev
	case engine.LogLine:
		ev.Level, ev.Message = CleanLine(ev.Level), CleanLine(ev.Message)
		return ev
	case engine.Warning:
		ev.Message = CleanLine(ev.Message)
		return ev
	case engine.ApplyDone:
		ev.Result = cleanResult(ev.Result)
		return ev
	}
	return e
}

// cleanResult returns a copy of r with its texts cleaned.
func cleanResult(r *engine.Result) *engine.Result {
	if r == nil {
		return nil
	}
	q := *r
	q.Items = make([]engine.ItemResult, len(r.Items))
	for i, it := range r.Items {
		it.Addr, it.Action, it.Error = CleanLine(it.Addr), CleanLine(it.Action), CleanLine(it.Error)
		it.Running = cleanLines(it.Running)
		q.Items[i] = it
	}
	return &q
}
