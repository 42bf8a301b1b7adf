package playbook

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/schema"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/openapi"
)

// This file says which VBR revision checked a spec or with block: the
// target's, named in every complaint; or, when the target's revision is
// known only at plan time, each revision that defines the entry, the block
// being accepted when one of them accepts it (the server may be any of
// them) and the newest one's complaint reported otherwise.

// anyRevisionItem is a block checked against every revision that defines
// its entry.
type anyRevisionItem struct {
	path   []string // resources, 3, spec
	entry  string
	target string
}

// anyRevisionItems are those blocks by pathKey(list, index).
type anyRevisionItems map[string]anyRevisionItem

// covers reports whether instance path p lies in one of the blocks.
func (a anyRevisionItems) covers(p []string) bool {
	if len(p) < 3 || len(a) == 0 {
		return false
	}
	it, ok := a[pathKey(p[:2]...)]
	return ok && p[2] == it.path[2]
}

// itemEntry returns the catalogue entry, target and block key ("spec",
// "with") of the resource or step at index i of list.
func (l *loader) itemEntry(list string, i int) (*steps.Meta, string, string) {
	switch list {
	case "resources":
		if i < len(l.pb.Resources) {
			r := l.pb.Resources[i]
			if k, ok := l.cat.Kind(r.Kind); ok {
				return &k.Meta, r.Target, "spec"
			}
		}
	case "steps":
		if i < len(l.pb.Steps) {
			s := l.pb.Steps[i]
			if a, ok := l.cat.Action(s.Action); ok {
				return &a.Meta, s.Target, "with"
			}
		}
	}
	return nil, "", ""
}

// anyRevisionItems lists the spec and with blocks of entries whose values
// are checked per revision (steps.Meta.ValuesPerRevision) on VBR targets
// whose revision is not in revs.
func (l *loader) anyRevisionItems(revs map[string]string) anyRevisionItems {
	out := anyRevisionItems{}
	add := func(list string, n int) {
		for i := range n {
			m, target, block := l.itemEntry(list, i)
			t, ok := l.targets[target]
			if _, known := revs[target]; m == nil || !m.ValuesPerRevision || !ok || t.API != veeam.VBR || known {
				continue
			}
			idx := strconv.Itoa(i)
			out[pathKey(list, idx)] = anyRevisionItem{path: []string{list, idx, block}, entry: m.Name, target: target}
		}
	}
	add("resources", len(l.pb.Resources))
	add("steps", len(l.pb.Steps))
	return out
}

// validateAnyRevision checks each block against the revisions that define
// its entry, newest first, until one accepts it; when none does, the
// newest one's violations are reported, saying so. Unknown keys already
// reported (by path) by the any-revision pass are not reported again. Each
// entry's schema is compiled once per revision, on first use.
func (l *loader) validateAnyRevision(items anyRevisionItems, reported map[string]bool) {
	for _, key := range sortedKeys(items) {
		it := items[key]
		inst, ok := l.instAt(it.path)
		if !ok {
			continue
		}
		var revs []string // newest first
		for i := len(openapi.Revisions) - 1; i >= 0; i-- {
			if steps.Defined(it.entry, openapi.Revisions[i]) == nil {
				revs = append(revs, openapi.Revisions[i])
			}
		}
		if len(revs) == 0 {
			continue // no revision defines the entry: itemRevisions says so once the revision is known
		}
		var newest []schema.Violation
		accepted := false
		for j, doc := range revs {
			val, err := schema.ForEntryAt(l.cat, it.entry, doc)
			if err != nil {
				l.errorf(diag.Pos{File: l.src.file}, "schema", "", "schema of %s at VBR REST API %s: %v", it.entry, doc, err)
				return
			}
			var vs []schema.Violation
			for _, v := range val.ValidateAt(inst, it.path) {
				if !l.skip(v) && !(v.Keyword == "additionalProperties" && reported[pathKey(v.Path...)]) {
					vs = append(vs, v)
				}
			}
			if len(vs) == 0 {
				accepted = true
				break
			}
			if j == 0 {
				newest = vs
			}
		}
		if accepted {
			continue
		}
		block := it.path[2]
		if block == "with" {
			block = "with block"
		}
		suffix := fmt.Sprintf(" (VBR REST API %s; no revision that defines %s accepts this %s)", revs[0], it.entry, block)
		why := fmt.Sprintf("targets.%s has no api_version", it.target)
		if t := l.targets[it.target]; t != nil && t.APIVersionExpr != nil {
			why = fmt.Sprintf("the api_version of targets.%s is known only at plan time", it.target)
		}
		span := revs[len(revs)-1] + " to " + revs[0]
		if len(revs) == 1 {
			span = revs[0] + " only"
		}
		hint := fmt.Sprintf("%s, so this %s is checked against each revision that defines %s (%s) and the newest one's complaint is shown: pin api_version for exact checks",
			why, block, it.entry, span)
		for _, v := range newest {
			l.diags = append(l.diags, l.noted(v, suffix, hint))
		}
	}
}

// revisionNote names, for a violation inside the spec or with block of an
// entry whose schema follows the VBR revision, the revision of its target
// that checked it.
func (l *loader) revisionNote(revs map[string]string) func([]string) string {
	return func(p []string) string {
		if len(p) < 3 {
			return ""
		}
		i, err := strconv.Atoi(p[1])
		if err != nil {
			return ""
		}
		m, target, block := l.itemEntry(p[0], i)
		rev, ok := revs[target]
		if m == nil || m.SchemaAt == nil || p[2] != block || !ok {
			return ""
		}
		return " (VBR REST API " + rev + ")"
	}
}

// noted is the diagnostic of v with suffix added to its summary and hint
// to its hint (after a did-you-mean, when there is one).
func (l *loader) noted(v schema.Violation, suffix, hint string) diag.Diagnostic {
	d := l.violation(v)
	old := hintKey{d.Pos, d.Summary}
	d.Summary += suffix
	lazy, ok := l.hints[old]
	switch {
	case ok:
		l.later(d, func() string {
			h := lazy()
			return joinHints(h, hint)
		})
	default:
		d.Hint = joinHints(d.Hint, hint)
	}
	return d
}

// joinHints joins two hints, either of which may be empty.
func joinHints(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case strings.HasSuffix(a, "?"):
		return a + " " + b
	}
	return a + "; " + b
}
