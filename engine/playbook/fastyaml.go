package playbook

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/token"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
)

// Most playbooks, and nearly all of a large one, are written in a small part
// of YAML: block mappings and lists, one-line flow collections, plain and
// quoted one-line scalars, comments. goccy/go-yaml spends about a
// microsecond and a kilobyte per token on any YAML (tokens, grouped tokens,
// an AST with each node's path), which for a 5,000-resource playbook was
// most of `vplay validate`. parseFast reads that subset directly into the
// eval.Node tree, with the positions, values and scalar offset maps the
// goccy path gives (fastyaml_test.go checks it on every example and
// golden playbook and by fuzzing), and gives up on anything else: then the
// file is parsed by goccy as before, so syntax errors, anchors, tags, block
// and multi-line scalars, escapes, duplicate keys and every diagnostic keep
// coming from one place.

// fastMaxDepth is how deeply parseFast nests collections before it leaves
// the file to goccy (and to checkShape's bounds).
const fastMaxDepth = 64

// giveUp is the panic value that ends parseFast when the text leaves the
// subset it reads; parseFast recovers only this.
type giveUp struct{}

// fastParser reads the subset of YAML described above.
type fastParser struct {
	src   *source
	text  []byte
	conv  converter // for its scalar offset maps
	nodes int       // nodes and keys, counted as the converter counts them
	depth int

	// slab hands out nodes from a block allocated at once.
	slab []eval.Node
	// keys, keyPos and items are stacks on which collections collect their
	// entries, copied to slices of the exact size when complete.
	keys   []string
	keyPos []diag.Pos
	items  []*eval.Node
}

// slabSize is how many nodes are allocated together.
const slabSize = 256

// node returns a new node holding n.
func (p *fastParser) node(n eval.Node) *eval.Node {
	if len(p.slab) == 0 {
		p.slab = make([]eval.Node, slabSize)
	}
	out := &p.slab[0]
	*out = n
	p.slab = p.slab[1:]
	return out
}

// collect moves the entries pushed since the stack heights keys and items
// into n, in slices of their exact size.
func (p *fastParser) collect(n *eval.Node, keys, items int) *eval.Node {
	if len(p.keys) > keys {
		n.Keys = slices.Clone(p.keys[keys:])
		n.KeyPos = slices.Clone(p.keyPos[keys:])
		p.keys, p.keyPos = p.keys[:keys], p.keyPos[:keys]
	}
	if len(p.items) > items {
		n.Items = slices.Clone(p.items[items:])
		clear(p.items[items:])
		p.items = p.items[:items]
	}
	return n
}

// parseFast parses src if it is entirely in the subset, or reports false.
func parseFast(src *source) (root *eval.Node, ok bool) {
	text := src.text
	for _, b := range text {
		// Tabs, carriage returns and non-ASCII text (columns in runes,
		// a byte order mark) are left to goccy.
		if b == '\t' || b == '\r' || b >= 0x80 {
			return nil, false
		}
	}
	p := &fastParser{src: src, text: text, conv: converter{src: src}}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(giveUp); !ok {
				panic(r)
			}
			root, ok = nil, false
		}
	}()
	for i := range src.lines {
		l := p.line(i)
		if bytes.HasPrefix(l, []byte("---")) || bytes.HasPrefix(l, []byte("...")) || bytes.HasPrefix(l, []byte("%")) {
			return nil, false
		}
		if len(l) > 0 && l[len(l)-1] == ' ' {
			return nil, false // goccy places a scalar before trailing spaces differently
		}
	}
	first := p.nextContent(0)
	if first < 0 || p.indent(first) != 0 {
		return nil, false
	}
	var next int
	root, next = p.block(first, 0)
	if root.Kind != eval.MappingNode || next >= 0 || p.nodes > maxNodes {
		return nil, false
	}
	return root, true
}

func (p *fastParser) fail() { panic(giveUp{}) }

// line returns line i (0-based) without its newline.
func (p *fastParser) line(i int) []byte {
	return p.text[p.src.lines[i]:p.src.lineEnd(i)]
}

func (p *fastParser) indent(i int) int { return leadingSpaces(p.line(i)) }

// nextContent returns the first line from i that is neither blank nor a
// comment, or -1.
func (p *fastParser) nextContent(i int) int {
	for ; i < len(p.src.lines); i++ {
		l := p.line(i)
		n := leadingSpaces(l)
		if n < len(l) && l[n] != '#' {
			return i
		}
	}
	return -1
}

func (p *fastParser) pos(line, col int) diag.Pos {
	return diag.Pos{File: p.src.file, Line: line + 1, Col: col + 1}
}

// count adds n nodes, giving up past the document bound.
func (p *fastParser) count(n int) {
	p.nodes += n
	if p.nodes > maxNodes {
		p.fail()
	}
}

func (p *fastParser) enter() {
	p.depth++
	if p.depth > fastMaxDepth {
		p.fail()
	}
}

// block parses the block collection whose text starts at column col of
// line l and returns it with the next content line after it (-1 at the end).
func (p *fastParser) block(l, col int) (*eval.Node, int) {
	rest := p.line(l)[col:]
	if isItem(rest) {
		return p.sequence(l, col)
	}
	if _, ok := p.keyEnd(l, col); ok {
		return p.mapping(l, col)
	}
	p.fail() // a scalar on the line after its key is left to goccy
	return nil, 0
}

// after returns the next content line after l; callers give up when it is
// indented more than l's block (it would continue a plain scalar, or be an
// error).
func (p *fastParser) after(l int) int {
	return p.nextContent(l + 1)
}

// sequence parses a block sequence whose items start at column n.
func (p *fastParser) sequence(l, n int) (*eval.Node, int) {
	p.enter()
	defer func() { p.depth-- }()
	p.count(1)
	out := p.node(eval.Node{Kind: eval.SequenceNode, Pos: p.pos(l, n)})
	kb, ib := len(p.keys), len(p.items)
	for {
		text := p.line(l)
		if len(text) <= n+1 {
			p.fail() // an empty item
		}
		c := n + 2 + leadingSpaces(text[n+2:])
		if c >= len(text) || text[c] == '#' || isItem(text[c:]) {
			p.fail() // an empty item, or a list in a list on one line
		}
		var item *eval.Node
		var next int
		if _, ok := p.keyEnd(l, c); ok {
			item, next = p.mapping(l, c)
		} else {
			item = p.inline(l, c)
			next = p.after(l)
		}
		p.items = append(p.items, item)
		if next < 0 {
			return p.collect(out, kb, ib), -1
		}
		in := p.indent(next)
		switch {
		case in > n:
			p.fail()
		case in == n && isItem(p.line(next)[n:]):
			l = next
		default:
			return p.collect(out, kb, ib), next
		}
	}
}

// mapping parses a block mapping whose keys start at column n (the first
// one on line l, perhaps after a list item's dash).
func (p *fastParser) mapping(l, n int) (*eval.Node, int) {
	p.enter()
	defer func() { p.depth-- }()
	p.count(1)
	out := p.node(eval.Node{Kind: eval.MappingNode, Pos: p.pos(l, n)})
	kb, ib := len(p.keys), len(p.items)
	seen := keySet{}
	col := n
	for {
		key, colon := p.key(l, col)
		if !seen.add(key) {
			p.fail() // the goccy path reports the duplicate
		}
		p.keys = append(p.keys, key)
		p.keyPos = append(p.keyPos, p.pos(l, col))
		text := p.line(l)
		c := colon + 1 + leadingSpaces(text[colon+1:])
		var value *eval.Node
		var next int
		if c >= len(text) || text[c] == '#' {
			if c < len(text) && c == colon+1 {
				p.fail() // "key:#"
			}
			// The value is the block below, a list at the key's
			// indentation, or null.
			next = p.after(l)
			switch {
			case next >= 0 && p.indent(next) > n:
				value, next = p.block(next, p.indent(next))
			case next >= 0 && p.indent(next) == n && isItem(p.line(next)[n:]):
				value, next = p.sequence(next, n)
			default:
				p.fail() // a null value: left to goccy
			}
		} else {
			if isItem(text[c:]) {
				p.fail()
			}
			value = p.inline(l, c)
			next = p.after(l)
		}
		p.items = append(p.items, value)
		if next < 0 {
			return p.collect(out, kb, ib), -1
		}
		in := p.indent(next)
		switch {
		case in > n:
			p.fail()
		case in < n:
			return p.collect(out, kb, ib), next
		}
		if isItem(p.line(next)[n:]) {
			p.fail()
		}
		l, col = next, n
	}
}

// keyEnd returns the offset in line l of the colon ending a mapping key that
// starts at column col, if the text there is `key:` followed by a space or
// the end of the line.
func (p *fastParser) keyEnd(l, col int) (int, bool) {
	text := p.line(l)
	switch text[col] {
	case '"', '\'':
		end, ok := quoteEnd(text, col)
		if !ok || end >= len(text) || text[end] != ':' {
			return 0, false
		}
		if end+1 < len(text) && text[end+1] != ' ' {
			return 0, false
		}
		return end, true
	}
	for i := col; i < len(text); i++ {
		switch text[i] {
		case ':':
			if i+1 == len(text) || text[i+1] == ' ' {
				return i, true
			}
		case '#':
			if i > col && text[i-1] == ' ' {
				return 0, false
			}
		}
	}
	return 0, false
}

// key reads the mapping key at column col of line l and returns it with the
// offset of its colon; keys must be strings.
func (p *fastParser) key(l, col int) (string, int) {
	colon, ok := p.keyEnd(l, col)
	if !ok {
		p.fail()
	}
	p.count(1)
	text := p.line(l)
	switch text[col] {
	case '"', '\'':
		v := p.quoted(text, col)
		return v, colon
	}
	raw := string(bytes.TrimRight(text[col:colon], " "))
	if !plainKey(raw) {
		p.fail()
	}
	v, ok := resolvePlain(raw)
	if s, isString := v.(string); ok && isString {
		return s, colon
	}
	p.fail()
	return "", 0
}

// inline parses a one-line value at column c of line l: a quoted or plain
// scalar or a flow collection, followed by nothing but a comment.
func (p *fastParser) inline(l, c int) *eval.Node {
	text := p.line(l)
	var n *eval.Node
	var end int
	switch text[c] {
	case '{', '[':
		n, end = p.flow(l, c)
	case '"', '\'':
		n, end = p.quotedNode(l, c)
	default:
		e := c
		for e < len(text) && !(text[e] == '#' && text[e-1] == ' ') {
			if text[e] == ':' && (e+1 == len(text) || text[e+1] == ' ') {
				p.fail() // a mapping where a scalar was expected
			}
			e++
		}
		raw := string(bytes.TrimRight(text[c:e], " "))
		if !plainStart(raw, false) {
			p.fail()
		}
		return p.plain(l, c, raw)
	}
	rest := text[end:]
	sp := leadingSpaces(rest)
	if sp < len(rest) && (sp == 0 || rest[sp] != '#') {
		p.fail()
	}
	return n
}

// plain builds the node of a plain scalar raw at column c of line l.
func (p *fastParser) plain(l, c int, raw string) *eval.Node {
	p.count(1)
	v, ok := resolvePlain(raw)
	if !ok {
		p.fail()
	}
	// A plain scalar on one line of ASCII text maps offset i of its value
	// to its column plus i: the nil offset map says just that.
	return p.node(eval.Node{Kind: eval.ScalarNode, Pos: p.pos(l, c), Value: v})
}

// quotedNode parses a one-line quoted scalar at column c of line l and
// returns it with the offset after its closing quote.
func (p *fastParser) quotedNode(l, c int) (*eval.Node, int) {
	text := p.line(l)
	end, ok := quoteEnd(text, c)
	if !ok {
		p.fail()
	}
	p.count(1)
	v := p.quoted(text, c)
	return p.node(eval.Node{Kind: eval.ScalarNode, Pos: p.pos(l, c), Value: v, At: p.conv.mapper(p.src.lines[l]+c+1, v)}), end
}

// quoteEnd returns the offset after the quoted scalar starting at text[c],
// if it ends on this line and has no backslash (double quotes).
func quoteEnd(text []byte, c int) (int, bool) {
	q := text[c]
	for i := c + 1; i < len(text); i++ {
		switch {
		case q == '"' && text[i] == '\\':
			return 0, false // escapes are left to goccy
		case text[i] == q && q == '\'' && i+1 < len(text) && text[i+1] == '\'':
			i++ // '' in a single-quoted scalar
		case text[i] == q:
			return i + 1, true
		}
	}
	return 0, false
}

// quoted decodes the quoted scalar starting at text[c] (checked by
// quoteEnd).
func (p *fastParser) quoted(text []byte, c int) string {
	end, ok := quoteEnd(text, c)
	if !ok {
		p.fail()
	}
	body := text[c+1 : end-1]
	if text[c] == '\'' {
		return string(bytes.ReplaceAll(body, []byte("''"), []byte("'")))
	}
	return string(body)
}

// flow parses a flow mapping or sequence that starts at column c of line l
// and ends on that line; it returns the node and the offset after it.
func (p *fastParser) flow(l, c int) (*eval.Node, int) {
	p.enter()
	defer func() { p.depth-- }()
	p.count(1)
	text := p.line(l)
	open := text[c]
	closing := byte('}')
	kind := eval.MappingNode
	if open == '[' {
		closing, kind = ']', eval.SequenceNode
	}
	out := p.node(eval.Node{Kind: kind, Pos: p.pos(l, c)})
	kb, ib := len(p.keys), len(p.items)
	seen := keySet{}
	i := c + 1
	skip := func() {
		for i < len(text) && text[i] == ' ' {
			i++
		}
		if i >= len(text) {
			p.fail() // flow collections on several lines are left to goccy
		}
	}
	skip()
	if text[i] == closing {
		return out, i + 1
	}
	for {
		skip()
		if kind == eval.MappingNode {
			kc := i
			var key string
			switch text[i] {
			case '"', '\'':
				end, ok := quoteEnd(text, i)
				if !ok {
					p.fail()
				}
				key, i = p.quoted(text, i), end
			default:
				e := p.flowPlainEnd(text, i)
				raw := string(bytes.TrimRight(text[i:e], " "))
				if !plainKey(raw) {
					p.fail()
				}
				v, ok := resolvePlain(raw)
				s, isString := v.(string)
				if !ok || !isString {
					p.fail()
				}
				key, i = s, kc+len(raw)
			}
			if i+1 >= len(text) || text[i] != ':' || text[i+1] != ' ' {
				p.fail()
			}
			if !seen.add(key) {
				p.fail()
			}
			p.count(1)
			p.keys = append(p.keys, key)
			p.keyPos = append(p.keyPos, p.pos(l, kc))
			i++
			skip()
		}
		var v *eval.Node
		switch text[i] {
		case '{', '[':
			v, i = p.flow(l, i)
		case '"', '\'':
			v, i = p.quotedNode(l, i)
		default:
			e := p.flowPlainEnd(text, i)
			raw := string(bytes.TrimRight(text[i:e], " "))
			if !plainStart(raw, true) {
				p.fail()
			}
			v = p.plain(l, i, raw)
			i += len(raw)
		}
		p.items = append(p.items, v)
		skip()
		switch text[i] {
		case ',':
			i++
			skip()
			if text[i] == closing || text[i] == ',' {
				p.fail() // a trailing or doubled comma
			}
		case closing:
			return p.collect(out, kb, ib), i + 1
		default:
			p.fail()
		}
	}
}

// flowPlainEnd returns where a plain scalar starting at text[i] inside a
// flow collection ends; a colon, a comment or the end of the line in it
// leave the file to goccy.
func (p *fastParser) flowPlainEnd(text []byte, i int) int {
	for e := i; e < len(text); e++ {
		switch text[e] {
		case ',', '[', ']', '{', '}':
			return e
		case ':':
			if e+1 < len(text) && text[e+1] == ' ' {
				return e
			}
			p.fail()
		case '#':
			p.fail()
		}
	}
	p.fail()
	return 0
}

// plainStart reports whether raw may be read as a plain scalar here: not
// empty, not starting with an indicator or a merge key, no flow indicators
// inside a flow collection.
func plainStart(raw string, flow bool) bool {
	if raw == "" {
		return false
	}
	switch raw[0] {
	case '-':
		if len(raw) == 1 || raw[1] == ' ' {
			return false
		}
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '<', ' ':
		return false
	}
	if flow {
		return !bytes.ContainsAny([]byte(raw), ",[]{}#")
	}
	return true
}

// plainKey reports whether raw is a plain mapping key the fast path reads:
// a letter or underscore, then letters, digits and _ . - / $ or spaces.
func plainKey(raw string) bool {
	if raw == "" || !(isLetter(raw[0]) || raw[0] == '_') {
		return false
	}
	for i := 1; i < len(raw); i++ {
		c := raw[i]
		if !isLetter(c) && !(c >= '0' && c <= '9') && !strings.ContainsRune("_.-/$ ", rune(c)) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// resolvePlain returns the value of a plain scalar as the goccy path gives
// it, for strings, null, booleans and decimal integers; ok is false for
// the rest (floats, other bases, infinities), left to goccy.
func resolvePlain(raw string) (any, bool) {
	if c := raw[0]; (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '$' || c == '(' {
		// Not a number: only the reserved words differ from strings.
		switch raw {
		case "null", "Null", "NULL":
			return nil, true
		case "true", "True", "TRUE":
			return true, true
		case "false", "False", "FALSE":
			return false, true
		}
		return raw, true
	}
	tk := token.New(raw, raw, nil)
	switch tk.Type {
	case token.StringType:
		return raw, true
	case token.NullType:
		return nil, true
	case token.IntegerType:
		// Plain decimal digits only: no sign, underscores or octal zero.
		if (len(raw) > 1 && raw[0] == '0') || len(raw) > 18 || strings.Trim(raw, "0123456789") != "" {
			return nil, false
		}
		v, err := strconv.Atoi(raw)
		return v, err == nil
	}
	return nil, false
}
