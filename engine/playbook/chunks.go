package playbook

import (
	"sort"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
)

// goccy/go-yaml parses a block mapping of n keys in time growing with n²
// (see bounds.go). A long block mapping (a region, found by checkShape) is
// therefore parsed in chunks of chunkKeys keys: the tokens of the lines of
// its later chunks are left out of the parse of the text around it, each
// chunk's tokens are parsed on their own (goccy reads tokens, not their
// links, so a slice of the stream parses as it would in place, keeping its
// positions), and the chunks' keys are appended to the mapping, checking
// duplicates as one mapping would. Chunks may hold long mappings of their
// own, handled the same way.

// parseTokens parses sub, the tokens of lines [lo, hi), with the regions
// inside them left out, returning the file and the regions left out.
func parseTokens(sub token.Tokens, regions []region, lo, hi int) (*ast.File, []region, error) {
	out := outer(regions, lo, hi)
	if len(out) > 0 {
		kept := make(token.Tokens, 0, len(sub))
		i := 0
		for _, tk := range sub {
			line := tk.Position.Line
			for i < len(out) && line >= out[i].end {
				i++
			}
			if i < len(out) && line >= out[i].cuts[0] {
				continue
			}
			kept = append(kept, tk)
		}
		sub = kept
	}
	f, err := parser.Parse(sub, 0, parser.AllowDuplicateMapKey())
	return f, out, err
}

// linesOf returns the tokens that start on lines [lo, hi).
func linesOf(tks token.Tokens, lo, hi int) token.Tokens {
	line := func(i int) int { return tks[i].Position.Line }
	a := sort.Search(len(tks), func(i int) bool { return line(i) >= lo })
	b := sort.Search(len(tks), func(i int) bool { return line(i) >= hi })
	return tks[a:b]
}

// outer returns the regions within lines [lo, hi) that lie in no other such
// region's chunks (regions are sorted by their first cut, and nest or are
// disjoint).
func outer(regions []region, lo, hi int) []region {
	var out []region
	for _, r := range regions {
		if r.cuts[0] < lo || r.end > hi {
			continue
		}
		if n := len(out); n > 0 && r.cuts[0] < out[n-1].end {
			continue
		}
		out = append(out, r)
	}
	return out
}

// splice appends to the long mappings inside n (the regions out) the keys
// of their chunks.
func (c *converter) splice(n *eval.Node, tks token.Tokens, regions, out []region) {
	if len(out) == 0 {
		return
	}
	want := map[diag.Pos]*eval.Node{}
	for _, r := range out {
		want[r.first] = nil
	}
	findMappings(n, want)
	for _, r := range out {
		m := want[r.first]
		if m == nil {
			c.errorf(r.first, "too-many-keys", "a mapping has more than %d keys and could not be parsed in parts", chunkKeys)
			continue
		}
		seen := keySet{}
		for _, k := range m.Keys {
			seen.add(k)
		}
		bounds := append(append([]int(nil), r.cuts...), r.end)
		for i := range len(bounds) - 1 {
			part := c.parseChunk(tks, regions, bounds[i], bounds[i+1])
			if part == nil {
				continue
			}
			for j, k := range part.Keys {
				if !seen.add(k) {
					c.errorf(part.KeyPos[j], "duplicate-key", "duplicate key %q", k)
					continue
				}
				m.Keys = append(m.Keys, k)
				m.KeyPos = append(m.KeyPos, part.KeyPos[j])
				m.Items = append(m.Items, part.Items[j])
			}
		}
	}
}

// parseChunk parses and converts the chunk of a long mapping on lines
// [lo, hi): a mapping, or nil after a diagnostic.
func (c *converter) parseChunk(tks token.Tokens, regions []region, lo, hi int) *eval.Node {
	f, out, err := parseTokens(linesOf(tks, lo, hi), regions, lo, hi)
	if err != nil {
		c.diags = append(c.diags, syntaxDiag(c.src, err))
		return nil
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d != nil && d.Body != nil && body == nil {
			body = d.Body
		}
	}
	if body == nil {
		return nil
	}
	n := c.convert(body)
	if n.Kind != eval.MappingNode {
		c.errorf(n.Pos, "yaml-syntax", "yaml: expected the keys of a mapping")
		return nil
	}
	c.splice(n, tks, regions, out)
	return n
}

// findMappings fills want with the mappings of n's tree at its positions.
func findMappings(n *eval.Node, want map[diag.Pos]*eval.Node) {
	if n.Kind == eval.MappingNode {
		if m, ok := want[n.Pos]; ok && m == nil {
			want[n.Pos] = n
		}
	}
	for _, it := range n.Items {
		findMappings(it, want)
	}
}
