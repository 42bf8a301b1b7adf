package playbook

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"

	"github.com/vplay-dev/vplay/engine/eval"
)

// A large playbook is mostly its resources: list, and parsing YAML is the
// slowest part of loading it. parseSplit parses that list in pieces on
// several goroutines and the rest of the file as one more piece. It only
// takes the split when the result is certain to equal parsing the whole
// file (see parseSplit); otherwise the caller parses the file whole, so
// diagnostics never depend on the split.

// splitMin is the size from which parseYAML tries parseSplit; smaller files
// parse fast enough whole. (Tests call parseSplit directly, on small inputs
// too, to check that both ways give the same tree.)
const splitMin = 256 << 10

// minItemsPerPiece is the least number of list items in a piece, and
// maxPieces the most pieces: goccy needs about 60 KB per item it holds
// (tokens, AST and their strings, for a 27-line repository), so pieces of
// a hundred items or so keep the parses in flight small.
const (
	minItemsPerPiece = 64
	maxPieces        = 1 << 10
)

// parseSplit parses src as the whole-file parse would, or reports false. It
// cuts the list in up to maxPieces pieces of at least minItems items each,
// parsed by one goroutine per CPU.
//
// The file is cut at lines only: the items of the block sequence under a
// column-0 `resources:` line are cut in contiguous runs at the lines that
// start an item (exactly the sequence's indentation followed by "- "). Each
// run but the last is parsed on its own, padded with empty lines so that it
// keeps its line and column numbers, and followed by an empty sentinel item
// on the line where the next run starts, so its last item sees the same
// next token as in the whole file. The last run is parsed with the rest of
// the file (the head before it, the tail after it: the next column-0 line
// that is not a comment or an item), the other runs' lines left empty; the
// runs' items are then joined under resources:.
//
// YAML cannot continue a block scalar, a plain scalar or a block
// collection across a line that is indented less than its content, so such
// a line ends them in the whole file as in the piece. Quoted scalars and
// flow collections can span such lines: cutting inside one leaves a piece
// with an unterminated quote or bracket, which fails to parse. So the split
// is refused when any piece has a syntax error or a diagnostic, when an
// anchor or alias is used (an alias may refer to another piece), when the
// file has a document marker, a directive or a carriage return, when any
// line inside the list is indented less than its items, and when the pieces
// do not have the expected shapes.
func parseSplit(src *source, maxPieces, minItems int) (*eval.Node, bool) {
	text := src.text
	if bytes.IndexByte(text, '\r') >= 0 {
		return nil, false
	}
	nl := len(src.lines)
	line := func(i int) []byte {
		end := len(text)
		if i+1 < nl {
			end = src.lines[i+1] - 1
		}
		return text[src.lines[i]:end]
	}
	key := -1
	for i := range nl {
		l := line(i)
		if bytes.HasPrefix(l, []byte("---")) || bytes.HasPrefix(l, []byte("...")) || bytes.HasPrefix(l, []byte("%")) {
			return nil, false
		}
		if isListKey(l, "resources") {
			if key >= 0 {
				return nil, false
			}
			key = i
		}
	}
	if key < 0 || key+1 >= nl {
		return nil, false
	}
	// The items, their indentation and the tail.
	indent := -1
	var starts []int
	for i := key + 1; i < nl; i++ {
		l := line(i)
		n := leadingSpaces(l)
		if n == len(l) || l[n] == '#' {
			continue // blank or comment
		}
		if indent < 0 {
			if !isItem(l[n:]) {
				return nil, false
			}
			indent = n
		}
		if n == indent && isItem(l[n:]) {
			starts = append(starts, i)
			continue
		}
		if n == 0 {
			break // the tail
		}
		if n < indent {
			return nil, false
		}
	}
	pieces := min(maxPieces, len(starts)/max(minItems, 1))
	if pieces < 2 {
		return nil, false
	}
	offset := func(i int) int {
		if i >= nl {
			return len(text)
		}
		return src.lines[i]
	}
	// Run p of the items starts at line starts[cut(p)]; the last run is
	// parsed with the head and the tail, the others on their own.
	cut := func(p int) int { return p * len(starts) / pieces }
	results := make([]pieceResult, pieces)
	run := func(p int) pieceResult {
		if p == pieces-1 {
			// Head, the last run and the tail, with the other runs'
			// lines left empty.
			last := starts[cut(pieces-1)]
			var rest strings.Builder
			rest.Grow(offset(key+1) + (last - key - 1) + len(text) - offset(last))
			rest.Write(text[:offset(key+1)])
			rest.WriteString(strings.Repeat("\n", last-key-1))
			rest.Write(text[offset(last):])
			return parsePiece(src, rest.String(), 0)
		}
		// The run, then a sentinel empty item where the next run starts,
		// so that the run's last item is followed by the same token as in
		// the whole file; its lines are numbered from the run's first.
		first, end := starts[cut(p)], starts[cut(p+1)]
		var piece strings.Builder
		piece.Grow(offset(end) - offset(first) + indent + 2)
		piece.Write(text[offset(first):offset(end)])
		piece.WriteString(strings.Repeat(" ", indent) + "-\n")
		r := parsePiece(src, piece.String(), first)
		r.ok = r.ok && r.root.Kind == eval.SequenceNode && len(r.root.Items) == cut(p+1)-cut(p)+1 && isNull(r.root.Items[len(r.root.Items)-1])
		if r.ok {
			r.root.Items = r.root.Items[:len(r.root.Items)-1]
		}
		return r
	}
	// Pieces are taken in turn by one worker per CPU, so the memory of only
	// that many goccy parses is in use at once; the first taken is the
	// largest (the head, the last run and the tail). A failed piece, or
	// more than maxNodes nodes in all, stops the others: the caller parses
	// the file whole (and reports it too large).
	var next, nodes atomic.Int64
	var failed atomic.Bool
	work := func() {
		for !failed.Load() {
			i := int(next.Add(1)) - 1
			if i >= pieces {
				return
			}
			p := (pieces - 1 + i) % pieces
			results[p] = run(p)
			if !results[p].ok || nodes.Add(int64(results[p].nodes)) > maxNodes {
				failed.Store(true)
			}
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), pieces) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	if failed.Load() {
		return nil, false
	}
	root := results[pieces-1].root

	if root.Kind != eval.MappingNode {
		return nil, false
	}
	idx := -1
	for i, k := range root.Keys {
		if k == "resources" && root.KeyPos[i].Line == key+1 && root.KeyPos[i].Col == 1 {
			idx = i
		}
	}
	if idx < 0 {
		return nil, false
	}
	tailRun := root.Items[idx]
	if tailRun.Kind != eval.SequenceNode || len(tailRun.Items) != len(starts)-cut(pieces-1) {
		return nil, false
	}
	list := &eval.Node{Kind: eval.SequenceNode, Pos: results[0].root.Pos}
	for _, r := range results[:pieces-1] {
		list.Items = append(list.Items, r.root.Items...)
	}
	list.Items = append(list.Items, tailRun.Items...)
	root.Items[idx] = list
	return root, true
}

func isNull(n *eval.Node) bool { return n.Kind == eval.ScalarNode && n.Value == nil }

// pieceResult is a piece's tree and node count; ok is false when the piece
// cannot stand for its part of the file.
type pieceResult struct {
	root  *eval.Node
	nodes int
	ok    bool
}

// parsePiece parses one piece of src, whose first line is line `first`
// (0-based) of src, and converts it; ok is false when it has any
// diagnostic, is out of the bounds of checkShape or uses anchors.
func parsePiece(src *source, piece string, first int) pieceResult {
	tks := lexer.Tokenize(piece)
	if first > 0 {
		// The scanner gives every token its own Position.
		for _, tk := range tks {
			tk.Position.Line += first
		}
	}
	if regions, d := checkShape(src, tks); d != nil || len(regions) > 0 {
		return pieceResult{} // the whole parse reports it, or parses in chunks
	}
	f, err := parser.Parse(tks, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return pieceResult{}
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			if body != nil {
				return pieceResult{}
			}
			body = d.Body
		}
	}
	if body == nil {
		return pieceResult{}
	}
	c := &converter{src: src, anchors: map[string]*eval.Node{}}
	n := c.convert(body)
	if len(c.diags) > 0 || c.aliased {
		return pieceResult{}
	}
	return pieceResult{root: n, nodes: c.nodes, ok: true}
}

// isListKey reports whether l is `key:` at column 0, optionally followed by
// spaces and a comment.
func isListKey(l []byte, key string) bool {
	rest, ok := bytes.CutPrefix(l, []byte(key+":"))
	if !ok {
		return false
	}
	n := leadingSpaces(rest)
	return n == len(rest) || (n > 0 && rest[n] == '#')
}

// isItem reports whether l (without its indentation) starts a block
// sequence item.
func isItem(l []byte) bool {
	return len(l) > 0 && l[0] == '-' && (len(l) == 1 || l[1] == ' ')
}

func leadingSpaces(l []byte) int {
	n := 0
	for n < len(l) && l[n] == ' ' {
		n++
	}
	return n
}
