package playbook

import (
	"regexp"
	"strings"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/veeam"
)

// DefaultMaxDeletes is how many objects one prune selector may delete in
// one run when it does not set max_deletes.
const DefaultMaxDeletes = 10

// PruneSelector declares that the live objects of one kind on one target
// that match it are owned by the playbook: the planner plans the deletion
// of every matching object that no resource declares. An object matches
// when its name matches one of Names (if any) and Where is true for it (if
// set); the loader requires at least one of the two.
type PruneSelector struct {
	Kind   string
	Target string
	// Names are globs over object names: * matches any run of
	// characters, ? one character, everything else itself.
	Names []string
	// Where filters objects by their fields (bare names, as in a data
	// query's where); nil when not given.
	Where *eval.Cond
	// MaxDeletes bounds how many objects this selector may delete in one
	// run; past it the plan is refused. DefaultMaxDeletes unless set.
	MaxDeletes int
	// Policy is the selector's own policy (manage, observe, update_only
	// or no_delete), "" when it sets none: the planner then applies the
	// most restrictive policy of the declared resources the selector
	// also matches.
	Policy string
	Pos    diag.Pos

	globs []*regexp.Regexp
}

// Label names the selector in plans: its globs, its where, or both
// ("repo-*", "where name startsWith \"tmp\"").
func (s *PruneSelector) Label() string {
	var parts []string
	if len(s.Names) > 0 {
		parts = append(parts, strings.Join(s.Names, ", "))
	}
	if s.Where != nil {
		parts = append(parts, "where "+s.Where.Source())
	}
	return strings.Join(parts, " ")
}

// MatchName reports whether name matches one of the selector's globs;
// true when the selector has none (it then selects by Where alone).
func (s *PruneSelector) MatchName(name string) bool {
	if len(s.globs) == 0 {
		return true
	}
	for _, g := range s.globs {
		if g.MatchString(name) {
			return true
		}
	}
	return false
}

// globRE compiles a name glob: * is any run of characters (also /), ? one
// character.
func globRE(glob string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^`)
	for _, r := range glob {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// loadPrune reads the top-level prune: list. The schema checks the shape;
// here the kind (known, deletable), the target, the globs and the where.
func (l *loader) loadPrune() {
	pn := get(l.root, "prune")
	if pn == nil || pn.Kind != eval.SequenceNode {
		return
	}
	decl := &eval.Decl{Context: "where", Vars: l.vars, Item: true}
	for i, n := range pn.Items {
		s := &PruneSelector{Pos: n.Pos, MaxDeletes: DefaultMaxDeletes}
		l.pb.Prune = append(l.pb.Prune, s)
		if n.Kind != eval.MappingNode {
			continue // the schema says what a selector is
		}
		s.Kind = str(get(n, "kind"))
		var api veeam.API
		if kn := get(n, "kind"); s.Kind != "" {
			k, ok := l.cat.Kind(s.Kind)
			switch {
			case !ok:
				l.errorf(kn.Pos, "unknown-kind", eval.Hint(s.Kind, names(l.cat.Kinds())), "unknown resource kind %q", s.Kind)
			case k.NoDelete:
				api = k.API
				l.errorf(kn.Pos, "prune-no-delete", "kinds that support delete: "+strings.Join(l.deletableKinds(), ", "),
					"prune[%d]: objects of kind %q cannot be deleted, so they cannot be pruned", i, s.Kind)
			default:
				api = k.API
			}
		}
		s.Target = l.resolveTarget(n, api, "prune kind", s.Kind)
		if nn := get(n, "names"); nn != nil && nn.Kind == eval.SequenceNode {
			for _, it := range nn.Items {
				g, ok := it.Value.(string)
				if !ok || g == "" {
					continue // the schema reports it
				}
				if eval.HasTemplate(g) {
					l.errorf(it.Pos, "prune-template", "write the glob literally, e.g. repo-*", "prune[%d].names: globs are literal; ${{ }} is not evaluated here", i)
					continue
				}
				s.Names = append(s.Names, g)
				s.globs = append(s.globs, globRE(g))
			}
		}
		s.Where = l.cond(get(n, "where"), decl)
		if get(n, "names") == nil && get(n, "where") == nil {
			l.errorf(n.Pos, "prune-unbounded", "add names: [GLOB, ...] or where: EXPRESSION; names: [\"*\"] owns every object of the kind",
				"prune[%d]: a selector needs names: or where: to say which objects the playbook owns", i)
		}
		if mn := get(n, "max_deletes"); mn != nil {
			if m, ok := mn.Value.(int); ok && m > 0 {
				s.MaxDeletes = m
			}
		}
		s.Policy = str(get(n, "policy"))
	}
}

// deletableKinds names the kinds of the catalogue whose objects can be
// deleted (and so pruned).
func (l *loader) deletableKinds() []string {
	var out []string
	for _, k := range l.cat.Kinds() {
		if !k.NoDelete {
			out = append(out, k.Name)
		}
	}
	return out
}
