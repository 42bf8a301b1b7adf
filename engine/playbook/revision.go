package playbook

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/schema"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// This file checks a VBR target's api_version and validates the entries
// that use the target against the schemas of that revision.

// loadAPIVersion reads a target's api_version: a literal, a template only
// over vars (evaluated now), or a template known at plan time (kept in
// APIVersionExpr). A value known now must be a revision vplay speaks: the
// playbook schema's enum reports any other, the literal or the evaluated
// template alike.
func (l *loader) loadAPIVersion(t *Target, n *eval.Node, decl *eval.Decl) {
	vn := get(n, "api_version")
	if vn == nil {
		return
	}
	t.APIVersionPos = vn.Pos
	if t.API != "" && t.API != veeam.VBR {
		l.errorf(vn.Pos, "api-version-not-vbr", "remove it: only VBR targets send x-api-version", "targets.%s.api_version: target %q has type %s", t.Name, t.Name, t.API)
		return
	}
	s, ok := vn.Value.(string)
	if !ok {
		return // the schema reports the type
	}
	if eval.HasTemplate(s) {
		v := l.value(vn, decl)
		if v == nil || !loadTime(v.Refs(), false) {
			t.APIVersionExpr = v
			return
		}
		out, err := v.Eval(&eval.Scope{Vars: l.vars})
		if err != nil {
			return // reported by the schema or the compiler
		}
		if s, ok = out.(string); !ok {
			l.errorf(vn.Pos, "bad-api-version", "", "targets.%s.api_version: expected a string, got %s", t.Name, typeName(out))
			return
		}
	}
	if _, err := vbr.DocumentOf(s); err != nil {
		return // the schema reports it, with the revisions vplay knows
	}
	t.APIVersion = s
}

// targetRevisions returns the revision of every VBR target known now: its
// api_version, or the one Options.APIVersions gives for it.
func (l *loader) targetRevisions() map[string]string {
	out := map[string]string{}
	for _, t := range l.pb.Targets {
		if t.API != veeam.VBR {
			continue
		}
		rev := t.APIVersion
		if rev == "" {
			rev = l.opts.APIVersions[t.Name]
		}
		if _, err := vbr.DocumentOf(rev); err == nil {
			out[t.Name] = rev
		}
	}
	return out
}

// itemRevisions maps the instance path of every resource, step and data
// query whose target's revision is known ("resources\x000") to that
// revision's document, and checks that the document defines the entry.
func (l *loader) itemRevisions(revs map[string]string) map[string]string {
	items := map[string]string{}
	if len(revs) == 0 {
		return items
	}
	note := func(path []string, target, entry, key string, n *eval.Node) {
		rev, ok := revs[target]
		if !ok {
			return
		}
		doc, _ := vbr.DocumentOf(rev)
		items[pathKey(path...)] = doc
		var ue *steps.UndefinedError
		if err := steps.Defined(entry, doc); errors.As(err, &ue) {
			pos := n.Pos
			if kn := get(n, key); kn != nil {
				pos = kn.Pos
			}
			hint := ""
			if ue.Since != "" {
				hint = fmt.Sprintf("set targets.%s.api_version to %s or later, or use a server that serves it", target, ue.Since)
			}
			l.errorf(pos, "not-in-revision", hint, "%s %s is not defined by VBR REST API %s (target %q): it needs %s, which %s does not have",
				key, entry, rev, target, ue.Op, rev)
		}
	}
	if rn := get(l.root, "resources"); rn != nil && rn.Kind == eval.SequenceNode {
		for i, r := range l.pb.Resources {
			if i < len(rn.Items) {
				note([]string{"resources", strconv.Itoa(i)}, r.Target, r.Kind, "kind", rn.Items[i])
			}
		}
	}
	if sn := get(l.root, "steps"); sn != nil && sn.Kind == eval.SequenceNode {
		for i, s := range l.pb.Steps {
			if i < len(sn.Items) {
				note([]string{"steps", strconv.Itoa(i)}, s.Target, s.Action, "action", sn.Items[i])
			}
		}
	}
	if dn := get(l.root, "data"); dn != nil && dn.Kind == eval.MappingNode {
		for _, q := range l.pb.Data {
			if n := get(dn, q.Name); n != nil {
				note([]string{"data", q.Name}, q.Target, q.Query, "query", n)
			}
		}
	}
	return items
}

// validateRevisions validates the items of targets with a known revision
// against that revision's schemas, and everything else against the
// catalogue's own schema (which accepts the specs of any revision).
func (l *loader) validateRevisions() {
	revs := l.targetRevisions()
	items := l.itemRevisions(revs)
	itemOf := func(p []string) string {
		if len(p) < 2 {
			return ""
		}
		return items[pathKey(p[:2]...)]
	}
	docs := map[string]bool{}
	for _, d := range items {
		docs[d] = true
	}
	if len(docs) == 1 && l.allVBRKnown(revs) {
		// One revision for every VBR target: its schema checks the
		// whole playbook in one pass (other APIs' entries are the same
		// in every revision), and the any-revision schema, larger, is
		// never compiled.
		for doc := range docs {
			l.validateWith(l.cat.At(doc).Focus(l.usedKinds()), func(schema.Violation) bool { return true }, l.revisionNote(revs))
		}
		return
	}
	// The blocks checked against each revision that may be the target's
	// (revision_any.go) are left out of the any-revision pass.
	// An unknown key of a kind's own schema (for kinds checked per
	// revision, the union of every revision's top-level keys; an action's
	// is not) is unknown in every revision: it is reported even
	// in those blocks, where the newest revision may complain only of a
	// missing discriminator, and not again by validateAnyRevision.
	anyRev := l.anyRevisionItems(revs)
	unknown := map[string]bool{}
	l.validateWith(l.cat, func(v schema.Violation) bool {
		if itemOf(v.Path) != "" {
			return false
		}
		if !anyRev.covers(v.Path) || (v.Keyword == "required" && len(v.Path) == 3) {
			return true // also a missing block (steps[i].with), which no revision's check sees
		}
		if v.Keyword == "additionalProperties" && v.Path[0] == "resources" {
			unknown[pathKey(v.Path...)] = true
			return true
		}
		return false
	}, nil)
	for _, doc := range sortedKeys(docs) {
		l.validateWith(l.cat.At(doc).Focus(l.usedKinds()), func(v schema.Violation) bool { return itemOf(v.Path) == doc }, l.revisionNote(revs))
	}
	l.validateAnyRevision(anyRev, unknown)
}

// validateWith reports the violations of the schema of cat that keep
// selects; note, when set, says which revision checked a violation ("" for
// none).
func (l *loader) validateWith(cat *steps.Catalog, keep func(schema.Violation) bool, note func([]string) string) {
	val, err := schema.ForUse(cat, l.use())
	if err != nil {
		l.errorf(diag.Pos{File: l.src.file}, "schema", "", "playbook schema: %v", err)
		return
	}
	for _, v := range val.Validate(l.inst) {
		if !keep(v) || l.skip(v) {
			continue
		}
		if note != nil {
			if n := note(v.Path); n != "" {
				l.diags = append(l.diags, l.noted(v, n, ""))
				continue
			}
		}
		l.diags = append(l.diags, l.violation(v))
	}
}

// allVBRKnown reports whether every VBR target has a known revision.
func (l *loader) allVBRKnown(revs map[string]string) bool {
	for _, t := range l.pb.Targets {
		if _, ok := revs[t.Name]; t.API == veeam.VBR && !ok {
			return false
		}
	}
	return true
}

// use names the entries the playbook uses: only their schemas are built
// and compiled (schema.ForUse).
func (l *loader) use() schema.Use {
	var u schema.Use
	for _, r := range l.pb.Resources {
		u.Kinds = append(u.Kinds, r.Kind)
	}
	for _, s := range l.pb.Steps {
		u.Actions = append(u.Actions, s.Action)
	}
	for _, q := range l.pb.Data {
		u.Queries = append(u.Queries, q.Query)
	}
	for _, names := range []*[]string{&u.Kinds, &u.Actions, &u.Queries} {
		slices.Sort(*names)
		*names = slices.Compact(*names)
	}
	return u
}

// usedKinds lists the kinds the playbook's resources use: the revision schema
// needs only theirs (steps.Catalog.Focus).
func (l *loader) usedKinds() []string {
	var out []string
	for _, r := range l.pb.Resources {
		out = append(out, r.Kind)
	}
	return out
}
