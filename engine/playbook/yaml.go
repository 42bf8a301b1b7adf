package playbook

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
)

// maxNodes bounds the size of a document, so huge inputs are refused
// instead of exhausting memory.
const maxNodes = 2_000_000

// maxAliasNodes bounds how many nodes aliases may add to a document: at most
// aliasBase plus one per byte of the file, and never more than maxAliasNodes,
// so alias bombs (each level repeating the one before) are refused instead of
// making every later stage work on an exponentially larger tree.
const (
	aliasBase     = 10_000
	maxAliasNodes = 250_000
)

func aliasBudget(size int) int { return min(aliasBase+size, maxAliasNodes) }

// source is a file's text with its line offsets, for positions.
type source struct {
	file  string
	text  []byte
	lines []int // byte offset of each line start
	// runes holds, for each line with non-ASCII bytes, the byte offset of
	// each of its runes from the line start, so that converting between
	// columns and offsets never rescans a long line.
	runes map[int][]int32
}

func newSource(file string, text []byte) *source {
	s := &source{file: file, text: text, lines: make([]int, 1, bytes.Count(text, []byte{'\n'})+1)}
	ascii := true
	for i, b := range text {
		if b >= utf8.RuneSelf {
			ascii = false
		}
		if b == '\n' {
			if !ascii {
				s.indexRunes(len(s.lines)-1, i)
			}
			s.lines = append(s.lines, i+1)
			ascii = true
		}
	}
	if !ascii {
		s.indexRunes(len(s.lines)-1, len(text))
	}
	return s
}

// indexRunes records the rune offsets of line (0-based), which ends at end.
func (s *source) indexRunes(line, end int) {
	if s.runes == nil {
		s.runes = map[int][]int32{}
	}
	start := s.lines[line]
	var offs []int32
	for off := start; off < end; {
		offs = append(offs, int32(off-start))
		_, w := utf8.DecodeRune(s.text[off:end])
		off += w
	}
	s.runes[line] = offs
}

// lineEnd returns the offset of the newline ending line (0-based), or the
// end of the text.
func (s *source) lineEnd(line int) int {
	if line+1 < len(s.lines) {
		return s.lines[line+1] - 1
	}
	return len(s.text)
}

// offset converts a 1-based line and rune column to a byte offset; columns
// past the end of the line give the end of the line.
func (s *source) offset(line, col int) int {
	if line < 1 || line > len(s.lines) {
		return len(s.text)
	}
	start, end := s.lines[line-1], s.lineEnd(line-1)
	c := max(col-1, 0)
	offs, ok := s.runes[line-1]
	if !ok {
		return start + min(c, end-start)
	}
	if c >= len(offs) {
		return end
	}
	return start + int(offs[c])
}

// pos converts a byte offset to a position. An offset inside a multi-byte
// rune counts the rune's bytes before it as runes, like utf8.RuneCount.
func (s *source) pos(off int) diag.Pos {
	off = min(max(off, 0), len(s.text))
	lo, hi := 0, len(s.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if s.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	start := s.lines[lo]
	n := off - start
	if offs, ok := s.runes[lo]; ok {
		rel := int32(n)
		k, _ := slices.BinarySearch(offs, rel) // runes starting before off
		n = k
		if k < len(offs) && offs[k] == rel {
			n = k
		} else if k > 0 {
			// off is inside rune k-1, or at the end of the line.
			last := int(offs[k-1])
			runeEnd := s.lineEnd(lo) - start
			if k < len(offs) {
				runeEnd = int(offs[k])
			}
			if int(rel) < runeEnd {
				n = k - 1 + int(rel) - last
			}
		}
	}
	return diag.Pos{File: s.file, Line: lo + 1, Col: n + 1}
}

func (s *source) tokenPos(tk *token.Token) diag.Pos {
	if tk == nil || tk.Position == nil {
		return diag.Pos{File: s.file, Line: 1, Col: 1}
	}
	line := max(tk.Position.Line, 1)
	col := max(tk.Position.Column, 1)
	if line > len(s.lines) {
		return s.pos(len(s.text))
	}
	return diag.Pos{File: s.file, Line: line, Col: col}
}

// parseYAML parses text into a Node tree. A syntax error is returned as a
// positioned diagnostic. Large files may be parsed in pieces (see
// parseSplit), with the same result.
func parseYAML(src *source) (*eval.Node, diag.Diagnostics) {
	if len(src.text) >= splitMin {
		if n, ok := parseSplit(src, maxPieces, minItemsPerPiece); ok {
			return n, nil
		}
	}
	return parseWhole(src)
}

// parseWhole parses text as one piece.
func parseWhole(src *source) (*eval.Node, diag.Diagnostics) {
	tks := lexer.Tokenize(string(src.text))
	if tks.InvalidToken() != nil {
		_, err := parser.Parse(tks, 0) // reports the invalid token as a syntax error
		return nil, diag.Diagnostics{syntaxDiag(src, err)}
	}
	regions, d := checkShape(src, tks)
	if d != nil {
		return nil, diag.Diagnostics{*d}
	}
	f, out, err := parseTokens(tks, regions, 1, len(src.lines)+1)
	if err != nil {
		return nil, diag.Diagnostics{syntaxDiag(src, err)}
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return nil, diag.Diagnostics{diag.Errorf(diag.Pos{File: src.file, Line: 1, Col: 1}, "empty", "the playbook is empty; it needs at least `vplay: 1`")}
	}
	if len(docs) > 1 {
		return nil, diag.Diagnostics{diag.Errorf(src.tokenPos(docs[1].GetToken()), "yaml-syntax", "a playbook is one YAML document; found %d", len(docs))}
	}
	c := &converter{src: src, anchors: map[string]*eval.Node{}}
	n := c.convert(docs[0].Body)
	c.splice(n, tks, regions, out)
	return n, c.diags
}

func syntaxDiag(src *source, err error) diag.Diagnostic {
	var se *yaml.SyntaxError
	var de *yaml.DuplicateKeyError
	switch {
	case errors.As(err, &se):
		return diag.Errorf(src.tokenPos(se.Token), "yaml-syntax", "yaml: %s", se.Message)
	case errors.As(err, &de):
		return diag.Errorf(src.tokenPos(de.Token), "yaml-syntax", "yaml: %s", de.Message)
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return diag.Errorf(diag.Pos{File: src.file, Line: 1, Col: 1}, "yaml-syntax", "yaml: %s", msg)
}

type converter struct {
	src     *source
	anchors map[string]*eval.Node
	nodes   int
	diags   diag.Diagnostics
	tooBig  bool
	aliased bool // an anchor or alias was seen
	// aliasNodes counts the nodes aliases added, against aliasBudget.
	aliasNodes int
}

func (c *converter) errorf(p diag.Pos, code, format string, args ...any) {
	c.diags = append(c.diags, diag.Errorf(p, code, format, args...))
}

func (c *converter) convert(n ast.Node) *eval.Node {
	c.nodes++
	if c.nodes > maxNodes {
		if !c.tooBig {
			c.tooBig = true
			c.errorf(c.src.tokenPos(n.GetToken()), "too-large", "the document has more than %d nodes", maxNodes)
		}
		return &eval.Node{Kind: eval.ScalarNode, Pos: c.src.tokenPos(n.GetToken())}
	}
	switch n := n.(type) {
	case *ast.MappingNode:
		return c.mapping(n.GetToken(), n.Values, n.IsFlowStyle)
	case *ast.MappingValueNode:
		return c.mapping(n.GetToken(), []*ast.MappingValueNode{n}, false)
	case *ast.SequenceNode:
		out := &eval.Node{Kind: eval.SequenceNode, Pos: c.src.tokenPos(n.GetToken())}
		for _, v := range n.Values {
			if v == nil {
				out.Items = append(out.Items, &eval.Node{Kind: eval.ScalarNode, Pos: out.Pos})
				continue
			}
			out.Items = append(out.Items, c.convert(v))
		}
		return out
	case *ast.AnchorNode:
		c.aliased = true
		v := c.convertOrNull(n.Value, n.GetToken())
		if name, ok := n.Name.(*ast.StringNode); ok {
			c.anchors[name.Value] = v
		} else if n.Name != nil {
			c.anchors[n.Name.GetToken().Value] = v
		}
		return v
	case *ast.AliasNode:
		c.aliased = true
		name := ""
		if n.Value != nil {
			name = n.Value.GetToken().Value
		}
		v, ok := c.anchors[name]
		if !ok {
			c.errorf(c.src.tokenPos(n.GetToken()), "yaml-syntax", "yaml: unknown anchor %q", name)
			return &eval.Node{Kind: eval.ScalarNode, Pos: c.src.tokenPos(n.GetToken())}
		}
		if c.tooBig {
			return v
		}
		budget := aliasBudget(len(c.src.text))
		add := size(v, budget-c.aliasNodes+1)
		c.aliasNodes += add
		c.nodes += add
		switch {
		case c.aliasNodes > budget:
			c.tooBig = true
			c.errorf(c.src.tokenPos(n.GetToken()), "too-large", "aliases expand the document by more than %d nodes", budget)
		case c.nodes > maxNodes:
			c.tooBig = true
			c.errorf(c.src.tokenPos(n.GetToken()), "too-large", "aliases expand the document to more than %d nodes", maxNodes)
		}
		return v
	case *ast.TagNode:
		tag := n.Start.Value
		v := c.convertOrNull(n.Value, n.GetToken())
		if (tag == "!!str" || tag == "!str") && v.Kind == eval.ScalarNode {
			if _, ok := v.Value.(string); !ok && n.Value != nil {
				cp := *v
				cp.Value = strings.TrimSpace(n.Value.GetToken().Value)
				return &cp
			}
		}
		return v
	case *ast.MappingKeyNode:
		return c.convertOrNull(n.Value, n.GetToken())
	case *ast.LiteralNode:
		return c.literal(n)
	case *ast.StringNode:
		return c.str(n.Value, n.GetToken())
	case *ast.IntegerNode:
		p := c.src.tokenPos(n.GetToken())
		switch v := n.Value.(type) {
		case int64:
			if v >= math.MinInt && v <= math.MaxInt {
				return &eval.Node{Kind: eval.ScalarNode, Pos: p, Value: int(v)}
			}
			return &eval.Node{Kind: eval.ScalarNode, Pos: p, Value: float64(v)}
		case uint64:
			if v <= math.MaxInt {
				return &eval.Node{Kind: eval.ScalarNode, Pos: p, Value: int(v)}
			}
			return &eval.Node{Kind: eval.ScalarNode, Pos: p, Value: float64(v)}
		}
		return &eval.Node{Kind: eval.ScalarNode, Pos: p, Value: n.GetToken().Value}
	case *ast.FloatNode:
		p := c.src.tokenPos(n.GetToken())
		if math.IsNaN(n.Value) || math.IsInf(n.Value, 0) {
			return &eval.Node{Kind: eval.ScalarNode, Pos: p, Value: n.GetToken().Value}
		}
		return &eval.Node{Kind: eval.ScalarNode, Pos: p, Value: n.Value}
	case *ast.InfinityNode, *ast.NanNode:
		return &eval.Node{Kind: eval.ScalarNode, Pos: c.src.tokenPos(n.GetToken()), Value: n.GetToken().Value}
	case *ast.BoolNode:
		return &eval.Node{Kind: eval.ScalarNode, Pos: c.src.tokenPos(n.GetToken()), Value: n.Value}
	case *ast.NullNode:
		return &eval.Node{Kind: eval.ScalarNode, Pos: c.src.tokenPos(n.GetToken())}
	case *ast.MergeKeyNode:
		return &eval.Node{Kind: eval.ScalarNode, Pos: c.src.tokenPos(n.GetToken()), Value: "<<"}
	}
	p := c.src.tokenPos(n.GetToken())
	c.errorf(p, "yaml-syntax", "yaml: unsupported node %s", n.Type())
	return &eval.Node{Kind: eval.ScalarNode, Pos: p}
}

func (c *converter) convertOrNull(n ast.Node, tk *token.Token) *eval.Node {
	if n == nil {
		return &eval.Node{Kind: eval.ScalarNode, Pos: c.src.tokenPos(tk)}
	}
	return c.convert(n)
}

// size counts the nodes of n's tree (aliases counted at every use), stopping
// once the count exceeds limit.
func size(n *eval.Node, limit int) int {
	s := 1
	for _, it := range n.Items {
		if s > limit {
			return s
		}
		s += size(it, limit-s)
	}
	return s
}

func (c *converter) mapping(tk *token.Token, values []*ast.MappingValueNode, flow bool) *eval.Node {
	out := &eval.Node{Kind: eval.MappingNode, Pos: c.src.tokenPos(tk),
		Keys: make([]string, 0, len(values)), KeyPos: make([]diag.Pos, 0, len(values)), Items: make([]*eval.Node, 0, len(values))}
	seen := keySet{}
	for i, mv := range values {
		if mv == nil || mv.Key == nil {
			continue
		}
		kp := c.src.tokenPos(mv.Key.GetToken())
		if i == 0 && !flow {
			out.Pos = kp
		}
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			c.merge(out, &seen, mv, kp)
			continue
		}
		ks, ok := c.key(mv.Key)
		if !ok {
			c.errorf(kp, "yaml-key", "a mapping key must be a scalar")
			continue
		}
		if !seen.add(ks) {
			c.errorf(kp, "duplicate-key", "duplicate key %q", ks)
			continue
		}
		out.Keys = append(out.Keys, ks)
		out.KeyPos = append(out.KeyPos, kp)
		out.Items = append(out.Items, c.convertOrNull(mv.Value, mv.GetToken()))
	}
	return out
}

// key returns a mapping key as a string; ok is false when it is not a
// scalar. A plain string key (most are) is counted as a node but not
// built as one.
func (c *converter) key(k ast.Node) (string, bool) {
	if s, ok := k.(*ast.StringNode); ok && c.nodes < maxNodes {
		c.nodes++
		return s.Value, true
	}
	key := c.convert(k)
	if key.Kind != eval.ScalarNode {
		return "", false
	}
	return keyString(key.Value), true
}

// keySet is the set of keys of one mapping: an array while it is small
// (most mappings have a handful of keys, and the set lives on the stack), a
// map beyond that.
type keySet struct {
	small [keySetList]string
	n     int
	m     map[string]bool
}

const keySetList = 16

// add adds k and reports whether it was new.
func (s *keySet) add(k string) bool {
	if s.m == nil {
		if slices.Contains(s.small[:s.n], k) {
			return false
		}
		if s.n < keySetList {
			s.small[s.n] = k
			s.n++
			return true
		}
		s.m = make(map[string]bool, 2*keySetList)
		for _, e := range s.small {
			s.m[e] = true
		}
	}
	if s.m[k] {
		return false
	}
	s.m[k] = true
	return true
}

// merge applies a `<<: *anchor` merge key: keys not set explicitly are
// taken from the anchored mapping.
func (c *converter) merge(out *eval.Node, seen *keySet, mv *ast.MappingValueNode, kp diag.Pos) {
	src := c.convertOrNull(mv.Value, mv.GetToken())
	var maps []*eval.Node
	switch src.Kind {
	case eval.MappingNode:
		maps = []*eval.Node{src}
	case eval.SequenceNode:
		maps = src.Items
	}
	for _, m := range maps {
		if m.Kind != eval.MappingNode {
			c.errorf(kp, "yaml-merge", "a merge key (<<) needs a mapping or a list of mappings")
			return
		}
		for i, k := range m.Keys {
			if !seen.add(k) {
				continue
			}
			out.Keys = append(out.Keys, k)
			out.KeyPos = append(out.KeyPos, m.KeyPos[i])
			out.Items = append(out.Items, m.Items[i])
		}
	}
}

func keyString(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

// str builds a string scalar whose offsets map back into the source, taking
// quotes and line folding into account.
func (c *converter) str(v string, tk *token.Token) *eval.Node {
	p := c.src.tokenPos(tk)
	start := c.src.offset(p.Line, p.Col)
	n := &eval.Node{Kind: eval.ScalarNode, Pos: p, Value: v}
	if tk != nil && (tk.Type == token.SingleQuoteType || tk.Type == token.DoubleQuoteType) {
		n.At = c.mapper(start+1, v)
	} else if !verbatim(c.src.text, start, v) {
		n.At = c.mapper(start, v)
	}
	return n
}

// verbatim reports whether the source at start spells v exactly on one
// line, so each rune of v is one column after the one before, as a Node
// without At maps it: then a plain scalar (most are) needs no position
// mapping; folded ones do.
func verbatim(text []byte, start int, v string) bool {
	return start <= len(text) && len(text)-start >= len(v) && string(text[start:start+len(v)]) == v &&
		strings.IndexByte(v, '\n') < 0
}

// literal builds a block scalar (| or >): its text starts on the next line.
func (c *converter) literal(n *ast.LiteralNode) *eval.Node {
	p := c.src.tokenPos(n.GetToken())
	v := ""
	if n.Value != nil {
		v = n.Value.Value
	}
	start := c.src.offset(p.Line, p.Col)
	if i := strings.IndexByte(string(c.src.text[start:]), '\n'); i >= 0 {
		start += i + 1
	}
	return &eval.Node{Kind: eval.ScalarNode, Pos: p, Value: v, At: c.mapper(start, v)}
}

// mapper returns the function mapping a rune offset of decoded to the
// source position of that character, by aligning decoded with the raw text
// from start: escapes, doubled quotes, folded line breaks and indentation
// are skipped. Offsets past the end map to the end of the scan. The
// alignment is computed once, on the first call, so positions inside a long
// scalar cost the same as in a short one.
func (c *converter) mapper(start int, decoded string) func(int) diag.Pos {
	m := &scalarMap{src: c.src, start: start, decoded: decoded}
	return m.pos
}

// scalarMap maps rune offsets of a decoded scalar to source positions.
type scalarMap struct {
	src     *source
	start   int
	decoded string

	once sync.Once
	rs   []rune
	at   []int // at[i]: source offset after aligning the first i runes
}

func (m *scalarMap) pos(off int) diag.Pos {
	text := m.src.text
	m.once.Do(func() {
		m.rs = []rune(m.decoded)
		m.at = make([]int, len(m.rs)+1)
		j := m.start
		m.at[0] = j
		for i, r := range m.rs {
			j = align(text, j, r)
			m.at[i+1] = j
		}
	})
	rs := m.rs
	j := m.at[min(max(off, 0), len(rs))]
	// Skip indentation or a folded line break before the character.
	for k := 0; k < 256 && j < len(text) && off >= 0 && off < len(rs); k++ {
		want := rs[off]
		got, _ := utf8.DecodeRune(text[j:])
		if got == want || (got != ' ' && got != '\n' && got != '\r' && got != '\t') {
			break
		}
		j++
	}
	return m.src.pos(j)
}

// align advances j past the raw text that produced the decoded rune r.
func align(text []byte, j int, r rune) int {
	for steps := 0; j < len(text) && steps < 256; steps++ {
		got, w := utf8.DecodeRune(text[j:])
		switch {
		case got == r:
			return j + w
		case got == '\n' && (r == ' ' || r == '\n'):
			return j + 1
		case got == '\\' && j+1 < len(text):
			esc := text[j+1]
			n := 2
			switch esc {
			case 'x':
				n = 4
			case 'u':
				n = 6
			case 'U':
				n = 10
			case '\n':
				j += 2
				continue
			}
			if r != '\\' || esc == '\\' {
				return min(j+n, len(text))
			}
			return j + 1
		}
		j += w
	}
	return j
}
