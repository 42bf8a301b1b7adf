package playbook

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/goccy/go-yaml/token"

	"github.com/vplay-dev/vplay/engine/diag"
)

// Limits on what vplay reads, so that a hostile or mistaken input ends
// quickly with a clear error instead of exhausting memory.
//
// goccy/go-yaml (v1.19.2) keeps, for every node, its path from the root as a
// string, so memory grows with the square of the nesting depth (50,000 levels
// in 100 KB exhaust gigabytes); and it parses a block mapping recursively,
// one call per key, each copying the keys parsed after it, so time grows with
// the square of the number of keys in one block mapping (100,000 keys: 15 s)
// and the stack with their number. Both are checked on the tokens, in one
// linear pass, before the parser sees them (checkShape). Flow mappings and
// lists of any length parse in linear time and are not limited.
const (
	// MaxFileSize is the largest file vplay reads: playbooks, --var-file
	// files and saved plans (a 5,000-resource playbook is about 2 MiB).
	MaxFileSize = 32 << 20
	// MaxDepth is how deeply collections may nest in a playbook or a
	// --var-file file.
	MaxDepth = 1000
	// MaxBlockKeys is how many keys one block mapping may have; a flow
	// mapping ({a: 1, ...}) has no such limit.
	MaxBlockKeys = 10_000
	// maxBlockWork bounds the parser's quadratic work over all block
	// mappings of a file (the sum of the squares of their key counts, halved):
	// as much as one mapping of MaxBlockKeys keys, so that many mappings just
	// under the limit cannot add up to minutes.
	maxBlockWork = MaxBlockKeys * MaxBlockKeys / 2
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
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if len(b) > MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w: vplay reads at most %d MiB", ErrFileTooLarge, MaxFileSize>>20)}
	}
	return b, nil
}

// blockLevel is one open block collection: the column of its keys or
// entries, and how many keys it has.
type blockLevel struct {
	col, keys int
}

// checkShape reports the first place where tokens nest deeper than MaxDepth
// or a block mapping gets more than MaxBlockKeys keys. Block nesting is
// tracked by the columns of keys and "-" entries (a deeper column opens a
// collection, a shallower one closes those beyond it), flow nesting by
// brackets; the depth is their sum. A sequence written at its parent key's
// column shares that key's level, so the depth counted may be lower than the
// real one, never higher.
func checkShape(src *source, tks token.Tokens) *diag.Diagnostic {
	var stack []blockLevel
	flow, work := 0, 0
	var prev *token.Token
	open := func(tk *token.Token, col int, key bool) *diag.Diagnostic {
		for len(stack) > 0 && stack[len(stack)-1].col > col {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 || stack[len(stack)-1].col < col {
			stack = append(stack, blockLevel{col: col})
			if len(stack)+flow > MaxDepth {
				return tooDeep(src, tk)
			}
		}
		if top := &stack[len(stack)-1]; key {
			top.keys++
			work += top.keys
			var d diag.Diagnostic
			switch {
			case top.keys > MaxBlockKeys:
				d = diag.Errorf(src.tokenPos(tk), "too-many-keys", "a mapping has more than %d keys", MaxBlockKeys)
			case work > maxBlockWork:
				d = diag.Errorf(src.tokenPos(tk), "too-many-keys", "the file's block mappings are too long in all (one of %d keys, or many of thousands)", MaxBlockKeys)
			default:
				return nil
			}
			d.Hint = "split it, or write it as a flow mapping ({a: 1, b: 2, ...}), which has no such limit"
			return &d
		}
		return nil
	}
	for _, tk := range tks {
		if tk.Type == token.CommentType {
			continue
		}
		var d *diag.Diagnostic
		switch tk.Type {
		case token.DocumentHeaderType, token.DocumentEndType:
			stack, flow = stack[:0], 0
		case token.SequenceStartType, token.MappingStartType:
			flow++
			if len(stack)+flow > MaxDepth {
				d = tooDeep(src, tk)
			}
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.SequenceEntryType:
			if flow == 0 && tk.Position != nil {
				d = open(tk, tk.Position.Column, false)
			}
		case token.MappingValueType:
			if flow == 0 && prev != nil && prev.Position != nil {
				d = open(prev, prev.Position.Column, true)
			}
		}
		if d != nil {
			return d
		}
		prev = tk
	}
	return nil
}

func tooDeep(src *source, tk *token.Token) *diag.Diagnostic {
	d := diag.Errorf(src.tokenPos(tk), "too-deep", "collections nest more than %d levels deep", MaxDepth)
	return &d
}
