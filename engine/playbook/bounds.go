package playbook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/goccy/go-yaml/token"

	"github.com/vplay-dev/vplay/engine/diag"
)

// Limits on what vplay reads, so that a hostile or mistaken input ends
// quickly with a clear error instead of exhausting memory.
//
// goccy/go-yaml (v1.19.2) keeps, for every node, its path from the root as a
// string, so memory grows with the square of the nesting depth (50,000 levels
// in 100 KB exhaust gigabytes): depth is checked on the tokens, in one linear
// pass, before the parser sees them (checkShape). goccy also parses a block
// mapping recursively, one call per key, each copying the keys parsed after
// it, so time grows with the square of the number of keys (100,000 keys:
// 15 s) and the stack with their number: long block mappings are parsed in
// chunks of chunkKeys keys (chunks.go), which makes that linear. Only when
// the file uses anchors or aliases (which may refer across chunks) is a
// block mapping parsed whole, and then limited to MaxBlockKeys keys. Flow
// mappings and lists of any length parse in linear time.
const (
	// MaxFileSize is the largest file vplay reads: playbooks, --var-file
	// files and saved plans (a 5,000-resource playbook is about 2 MiB).
	MaxFileSize = 32 << 20
	// MaxDepth is how deeply collections may nest in a playbook or a
	// --var-file file.
	MaxDepth = 1000
	// MaxBlockKeys is how many keys one block mapping may have in a file
	// with anchors or aliases; other block mappings, flow mappings
	// ({a: 1, ...}) and lists have no such limit.
	MaxBlockKeys = 10_000
	// maxBlockWork bounds the parser's work over all block mappings of a
	// file (for each, the sum over its chunks of their key count squared,
	// halved): four mappings of MaxBlockKeys keys parsed whole (about 1.5 s),
	// or more than a million keys in chunks, so that many long mappings
	// cannot add up to minutes.
	maxBlockWork = 4 * MaxBlockKeys * MaxBlockKeys / 2
)

// ErrFileTooLarge is wrapped (in an *fs.PathError) by ReadFile for a file
// over MaxFileSize.
var ErrFileTooLarge = errors.New("playbook: file too large")

// ReadFile reads at most MaxFileSize bytes of a file; a larger file (or an
// endless one such as /dev/zero) is an error wrapping ErrFileTooLarge.
func ReadFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(name, f)
}

// readFS is ReadFile on a file system.
func readFS(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(name, f)
}

func readLimited(name string, r io.Reader) ([]byte, error) {
	// A regular file is read into a buffer of its size (and the room
	// bytes.Buffer wants to see the end) instead of one grown by doubling:
	// a few MiB of playbook cost that much, not three times it.
	var b []byte
	if st, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() >= 0 && fi.Size() <= MaxFileSize {
			b = make([]byte, 0, fi.Size()+bytes.MinRead)
		}
	}
	w := bytes.NewBuffer(b)
	_, err := w.ReadFrom(io.LimitReader(r, MaxFileSize+1))
	b = w.Bytes()
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if len(b) > MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w: vplay reads at most %d MiB", ErrFileTooLarge, MaxFileSize>>20)}
	}
	return b, nil
}

// chunkKeys is how many keys of a long block mapping goccy parses at once
// (see parseChunks): its quadratic work on a mapping of n keys becomes about
// n*chunkKeys/2, linear in n.
const chunkKeys = 128

// region is a long block mapping parsed in chunks: the position of its first
// key, the lines (1-based) where its later chunks begin, and the line where
// it ends (that of the token ending it, or one past the last line).
type region struct {
	first diag.Pos
	cuts  []int
	end   int
}

// blockLevel is one open block collection: the column of its keys or
// entries, its keys (in all and since the last cut) and, for a mapping, its
// first key and the lines where it is cut.
type blockLevel struct {
	col, keys, inChunk int
	first              diag.Pos
	cuts               []int
}

// shape is the state of checkShape.
type shape struct {
	src     *source
	stack   []blockLevel
	flow    int
	work    int
	chunk   bool // no anchors or aliases: long mappings may be cut
	regions []region
}

// checkShape reports the first place where tokens nest deeper than MaxDepth
// or a block mapping gets more than MaxBlockKeys keys in one chunk, and
// returns the long block mappings to parse in chunks (sorted by their first
// cut). Block nesting is tracked by the columns of keys and "-" entries (a
// deeper column opens a collection, a shallower one closes those beyond it),
// flow nesting by brackets; the depth is their sum. A sequence written at
// its parent key's column shares that key's level, so the depth counted may
// be lower than the real one, never higher. A mapping is cut before every
// chunkKeys-th key that starts its line, unless the file uses anchors or
// aliases (an alias may refer to another chunk).
func checkShape(src *source, tks token.Tokens) ([]region, *diag.Diagnostic) {
	sh := &shape{src: src, chunk: true}
	for _, tk := range tks {
		if tk.Type == token.AnchorType || tk.Type == token.AliasType {
			sh.chunk = false
		}
	}
	var prev *token.Token
	for _, tk := range tks {
		if tk.Type == token.CommentType || tk.Position == nil {
			continue
		}
		var d *diag.Diagnostic
		switch tk.Type {
		case token.DocumentHeaderType, token.DocumentEndType:
			sh.popTo(-1, tk.Position.Line)
			sh.flow = 0
		case token.SequenceStartType, token.MappingStartType:
			sh.flow++
			if len(sh.stack)+sh.flow > MaxDepth {
				d = tooDeep(src, tk)
			}
		case token.SequenceEndType, token.MappingEndType:
			sh.flow = max(sh.flow-1, 0)
		case token.SequenceEntryType:
			if sh.flow == 0 {
				d = sh.open(tk, false)
			}
		case token.MappingValueType:
			if sh.flow == 0 && prev != nil && prev.Position != nil {
				d = sh.open(prev, true)
			}
		}
		if d != nil {
			return nil, d
		}
		prev = tk
	}
	sh.popTo(-1, len(src.lines)+1)
	slices.SortFunc(sh.regions, func(a, b region) int { return a.cuts[0] - b.cuts[0] })
	return sh.regions, nil
}

// popTo closes the levels deeper than col at line.
func (sh *shape) popTo(col, line int) {
	for len(sh.stack) > 0 && sh.stack[len(sh.stack)-1].col > col {
		top := sh.stack[len(sh.stack)-1]
		if len(top.cuts) > 0 {
			sh.regions = append(sh.regions, region{first: top.first, cuts: top.cuts, end: line})
		}
		sh.stack = sh.stack[:len(sh.stack)-1]
	}
}

// open records a key (or "-" entry) tk at its column.
func (sh *shape) open(tk *token.Token, key bool) *diag.Diagnostic {
	col := tk.Position.Column
	sh.popTo(col, tk.Position.Line)
	if len(sh.stack) == 0 || sh.stack[len(sh.stack)-1].col < col {
		l := blockLevel{col: col}
		if key {
			l.first = sh.src.tokenPos(tk)
		}
		sh.stack = append(sh.stack, l)
		if len(sh.stack)+sh.flow > MaxDepth {
			return tooDeep(sh.src, tk)
		}
	}
	top := &sh.stack[len(sh.stack)-1]
	if !key {
		return nil
	}
	top.keys++
	if top.inChunk >= chunkKeys && sh.chunk && top.first.Line > 0 && sh.startsLine(tk) {
		top.cuts = append(top.cuts, tk.Position.Line)
		top.inChunk = 0
	}
	top.inChunk++
	sh.work += top.inChunk
	if top.inChunk <= MaxBlockKeys && sh.work <= maxBlockWork {
		return nil
	}
	d := diag.Errorf(sh.src.tokenPos(tk), "too-many-keys", "the file's block mappings are too long in all (one of %d keys, or many of thousands)", MaxBlockKeys)
	if top.inChunk > MaxBlockKeys {
		d = diag.Errorf(sh.src.tokenPos(tk), "too-many-keys", "a mapping has more than %d keys", MaxBlockKeys)
	}
	d.Hint = "split it, or write it as a flow mapping ({a: 1, b: 2, ...}), which has no such limit"
	return &d
}

// startsLine reports whether only spaces precede tk on its line.
func (sh *shape) startsLine(tk *token.Token) bool {
	line, col := tk.Position.Line, tk.Position.Column
	if line < 1 || line > len(sh.src.lines) {
		return false
	}
	start := sh.src.lines[line-1]
	end := start + col - 1
	if end > len(sh.src.text) {
		return false
	}
	for _, b := range sh.src.text[start:end] {
		if b != ' ' {
			return false
		}
	}
	return true
}

func tooDeep(src *source, tk *token.Token) *diag.Diagnostic {
	d := diag.Errorf(src.tokenPos(tk), "too-deep", "collections nest more than %d levels deep", MaxDepth)
	return &d
}
