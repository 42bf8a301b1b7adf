package main

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
)

// linePrefixer writes each complete line with a prefix, in one Write, so
// the lines of members running at once never mix within a line. Flush
// writes a last unterminated line.
type linePrefixer struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  string
	pending []byte
	// edit, when set, rewrites each line (without its newline) instead
	// of prefixing it.
	edit func(line []byte) []byte
}

func (p *linePrefixer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = append(p.pending, b...)
	var out []byte // every complete line, written at once: a block stays together
	for {
		i := bytes.IndexByte(p.pending, '\n')
		if i < 0 {
			break
		}
		out = p.line(out, p.pending[:i])
		p.pending = p.pending[i+1:]
	}
	if len(out) > 0 {
		if _, err := p.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// line appends line, prefixed or edited, and a newline to out.
func (p *linePrefixer) line(out, line []byte) []byte {
	if p.edit != nil {
		return append(append(out, p.edit(line)...), '\n')
	}
	return append(append(append(out, p.prefix...), line...), '\n')
}

// Flush writes what is left of an unterminated line.
func (p *linePrefixer) Flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pending) == 0 {
		return nil
	}
	_, err := p.w.Write(p.line(nil, p.pending))
	p.pending = nil
	return err
}

// memberJSONLines adds "member": NAME as the first field of every JSON
// object line written through it (apply -o json and --log-format json
// events of a fleet run).
func memberJSONLines(w io.Writer, member string) *linePrefixer {
	name, _ := json.Marshal(member)
	field := append(append([]byte(`{"member":`), name...), ',')
	return &linePrefixer{w: w, edit: func(line []byte) []byte {
		t := bytes.TrimSpace(line)
		if len(t) < 2 || t[0] != '{' {
			return line
		}
		if bytes.Equal(t, []byte("{}")) {
			return append(field[:len(field)-1:len(field)-1], '}')
		}
		return append(append([]byte{}, field...), t[1:]...)
	}}
}
