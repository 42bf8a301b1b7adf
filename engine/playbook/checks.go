package playbook

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/schema"
)

// --- dependencies ---

// checkCycles computes every resource's DependsOn from its references and
// depends_on entries, and reports dependency cycles naming every member.
func (l *loader) checkCycles() {
	res := l.pb.Resources
	edges := make([][]int, len(res))
	for i, r := range res {
		var deps []string
		add := func(j int, name string) {
			if !slices.Contains(edges[i], j) {
				edges[i] = append(edges[i], j)
			}
			o := res[j]
			switch {
			case name != "":
				deps = append(deps, o.Target+"/"+o.Kind+"/"+name)
			case len(o.Names) > 0:
				for _, nm := range o.Names {
					deps = append(deps, o.Target+"/"+o.Kind+"/"+nm)
				}
			default:
				deps = append(deps, o.Target+"/"+o.Kind)
			}
		}
		match := func(kind, name string) bool {
			found := false
			for j, o := range res {
				if o.Kind != kind || (name != "" && o.Names != nil && !slices.Contains(o.Names, name)) {
					continue
				}
				found = true
				add(j, name)
			}
			return found
		}
		var refs []eval.Ref
		refs = append(refs, r.ForEach.Refs()...)
		refs = append(refs, r.Name.Refs()...)
		refs = append(refs, r.Spec.Refs()...)
		refs = append(refs, r.Policy.Refs()...)
		for _, ref := range refs {
			if ref.Root == eval.RootResources && ref.Key != "" {
				if !match(ref.Key, ref.Name) && ref.Name != "" && l.kinds[ref.Key] {
					l.errorf(ref.Pos, "unknown-resource", "", "no resource %s/%s is declared", ref.Key, ref.Name)
				}
			}
		}
		if i < len(l.resNodes) {
			if dn := get(l.resNodes[i], "depends_on"); dn != nil && dn.Kind == eval.SequenceNode {
				for _, it := range dn.Items {
					s := str(it)
					if s == "" {
						continue
					}
					kind, name, _ := strings.Cut(s, "/")
					if !match(kind, name) {
						l.errorf(it.Pos, "unknown-resource", eval.Hint(kind, sortedKeys(l.kinds)), "depends_on: no resource %q is declared (write KIND or KIND/NAME)", s)
					}
				}
			}
		}
		slices.Sort(deps)
		r.DependsOn = slices.Compact(deps)
	}
	l.reportCycles(edges)
}

func (l *loader) reportCycles(edges [][]int) {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(edges))
	var stack []int
	reported := map[string]bool{}
	var visit func(i int)
	visit = func(i int) {
		color[i] = grey
		stack = append(stack, i)
		for _, j := range edges[i] {
			switch color[j] {
			case white:
				visit(j)
			case grey:
				k := slices.Index(stack, j)
				cycle := slices.Clone(stack[k:])
				// Start the cycle at its first resource in the file.
				m := slices.Index(cycle, slices.Min(cycle))
				cycle = append(cycle[m:], cycle[:m]...)
				var labels []string
				for _, c := range cycle {
					labels = append(labels, l.label(c))
				}
				labels = append(labels, l.label(cycle[0]))
				key := strings.Join(labels, " -> ")
				if !reported[key] {
					reported[key] = true
					l.errorf(l.pb.Resources[cycle[0]].Pos, "dependency-cycle", "break the cycle: remove one of these references or depends_on entries", "dependency cycle: %s", key)
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[i] = black
	}
	for i := range edges {
		if color[i] == white {
			visit(i)
		}
	}
}

func (l *loader) label(i int) string {
	r := l.pb.Resources[i]
	if len(r.Names) == 1 {
		return r.Target + "/" + r.Kind + "/" + r.Names[0]
	}
	return fmt.Sprintf("%s/%s (resources[%d])", r.Target, r.Kind, i)
}

// --- schema ---

func (l *loader) validate() {
	if l.inst == nil {
		return
	}
	l.validateRevisions()
}

// skip drops violations reported better elsewhere (unknown kind, action
// and query names) or about values only known at run time.
func (l *loader) skip(v schema.Violation) bool {
	p := v.Path
	if v.Keyword == "enum" && len(p) == 3 && ((p[0] == "resources" && p[2] == "kind") ||
		(p[0] == "steps" && p[2] == "action") || (p[0] == "data" && p[2] == "query") ||
		(p[0] == "prune" && p[2] == "kind")) {
		return true
	}
	for i := 1; i <= len(p); i++ {
		if l.dynamic[pathKey(p[:i]...)] {
			return true
		}
	}
	return false
}

// violation turns a schema violation into a diagnostic at the YAML node it
// is about.
func (l *loader) violation(v schema.Violation) diag.Diagnostic {
	path := v.Path
	code := "schema-" + v.Keyword
	var pos diag.Pos
	var rendered string
	hint := ""
	var lazy func() string // a hint worth computing only if reported
	switch v.Keyword {
	case "required":
		parent := path[:len(path)-1]
		pos = l.holderPos(parent)
		rendered = l.render(parent)
		code = "missing-key"
	case "additionalProperties", "propertyNames":
		parent := path[:len(path)-1]
		pos = l.keyPosAt(path)
		rendered = l.render(parent)
		if v.Keyword == "additionalProperties" {
			code = "unknown-key"
			if len(path) == 4 && path[0] == "resources" && path[2] == "spec" && path[3] == "name" {
				hint = "the resource's `name:` is the object's name; remove it from spec"
			} else {
				key, expected := path[len(path)-1], v.Expected
				lazy = func() string {
					if c, ok := eval.Closest(key, expected); ok {
						return "did you mean `" + c + "`?"
					}
					if c, ok := vendorSuffix(key, expected); ok {
						return "did you mean `" + c + "`?"
					}
					if len(expected) > 0 {
						return "known keys: " + strings.Join(expected, ", ")
					}
					return ""
				}
			}
		}
	default:
		pos = l.nodeAt(path).Pos
		rendered = l.render(path)
		if v.Keyword == "enum" {
			got, isString := l.nodeAt(path).Value.(string)
			expected := v.Expected
			lazy = func() string {
				h := ""
				if isString {
					if c, ok := eval.Closest(got, expected); ok {
						h = "did you mean `" + c + "`? "
					}
				}
				return h + eval.OneOf(expected)
			}
		}
	}
	msg := v.Message
	if v.Keyword == "pattern" {
		msg = patternMessage(path, v.Message)
	}
	d := diag.Errorf(pos, code, "%s: %s", rendered, msg)
	d.Hint = hint
	if lazy != nil {
		l.later(d, lazy)
	}
	return d
}

// vendorSuffix finds the known key a vendor-style name ends with: the
// vendor reference spells inputs with their object's name in front
// (backupAgentUid, repositoryId) where vplay says uid or id.
func vendorSuffix(key string, known []string) (string, bool) {
	lk := strings.ToLower(key)
	best := ""
	for _, k := range known {
		if len(k) >= 2 && len(k) < len(key) && strings.HasSuffix(lk, strings.ToLower(k)) && len(k) > len(best) {
			best = k
		}
	}
	return best, best != ""
}

// hintKey names a diagnostic whose hint is computed once it is known to be
// reported (finish keeps the first of equal keys).
type hintKey struct {
	pos     diag.Pos
	summary string
}

// later defers d's hint to hint, computed by withHints only when d is
// among the reported diagnostics: a suggestion costs a comparison with
// every expected name, and a file with thousands of unknown keys reports
// maxReported of them.
func (l *loader) later(d diag.Diagnostic, hint func() string) {
	if l.hints == nil {
		l.hints = map[hintKey]func() string{}
	}
	k := hintKey{d.Pos, d.Summary}
	if _, ok := l.hints[k]; !ok {
		l.hints[k] = hint
	}
}

// withHints fills the deferred hints of the reported diagnostics ds.
func (l *loader) withHints(ds diag.Diagnostics) diag.Diagnostics {
	for i := range ds {
		if h, ok := l.hints[hintKey{ds[i].Pos, ds[i].Summary}]; ok && ds[i].Hint == "" {
			ds[i].Hint = h()
		}
	}
	return ds
}

func patternMessage(path []string, msg string) string {
	last := path[len(path)-1]
	got, _, _ := strings.Cut(msg, " does not match")
	switch last {
	case "timeout", "delay":
		return got + " is not a duration; write e.g. 90s, 30m or 1h30m"
	case "id":
		return got + " is not a valid step id; use letters, digits and _, not starting with a digit"
	case "policy":
		return got + " is not a policy"
	}
	return msg
}

// nodeAt returns the node at an instance path (the deepest existing one).
func (l *loader) nodeAt(path []string) *eval.Node {
	n := l.root
	for _, tok := range path {
		next := l.child(n, tok)
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// indexMin is the number of keys from which a mapping gets an index for
// looking up violation paths, so that many violations in one large mapping
// do not each scan all its keys.
const indexMin = 16

// keyIndex returns the position of key in mapping n, or -1.
func (l *loader) keyIndex(n *eval.Node, key string) int {
	if len(n.Keys) < indexMin {
		return slices.Index(n.Keys, key)
	}
	idx, ok := l.index[n]
	if !ok {
		idx = make(map[string]int, len(n.Keys))
		for i, k := range n.Keys {
			if _, dup := idx[k]; !dup {
				idx[k] = i
			}
		}
		if l.index == nil {
			l.index = map[*eval.Node]map[string]int{}
		}
		l.index[n] = idx
	}
	if i, ok := idx[key]; ok {
		return i
	}
	return -1
}

// keyPos returns the position of key in mapping n, or n's position.
func (l *loader) keyPos(n *eval.Node, key string) diag.Pos {
	if i := l.keyIndex(n, key); i >= 0 && i < len(n.KeyPos) {
		return n.KeyPos[i]
	}
	return n.Pos
}

func (l *loader) child(n *eval.Node, tok string) *eval.Node {
	switch n.Kind {
	case eval.MappingNode:
		if i := l.keyIndex(n, tok); i >= 0 && i < len(n.Items) {
			return n.Items[i]
		}
	case eval.SequenceNode:
		i, err := strconv.Atoi(tok)
		if err == nil && i >= 0 && i < len(n.Items) {
			return n.Items[i]
		}
	}
	return nil
}

// keyPosAt returns the position of the key a path ends with.
func (l *loader) keyPosAt(path []string) diag.Pos {
	parent := l.nodeAt(path[:len(path)-1])
	if parent.Kind == eval.MappingNode {
		return l.keyPos(parent, path[len(path)-1])
	}
	return parent.Pos
}

// holderPos is where a missing key is reported: the key holding the
// mapping, or the mapping itself when it is a list item or the document.
func (l *loader) holderPos(path []string) diag.Pos {
	if len(path) == 0 {
		return l.root.Pos
	}
	parent := l.nodeAt(path[:len(path)-1])
	if parent.Kind == eval.MappingNode {
		return l.keyPos(parent, path[len(path)-1])
	}
	return l.nodeAt(path).Pos
}

// render writes an instance path the way users read it:
// resources[0].spec.repository.
func (l *loader) render(path []string) string {
	if len(path) == 0 {
		return "playbook"
	}
	var b strings.Builder
	n := l.root
	for _, tok := range path {
		if n != nil && n.Kind == eval.SequenceNode {
			b.WriteString("[" + tok + "]")
		} else {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			if identRE.MatchString(tok) || strings.Contains(tok, ".") && !strings.ContainsAny(tok, " \"[]") {
				b.WriteString(tok)
			} else {
				b.WriteString(strconv.Quote(tok))
			}
		}
		if n != nil {
			n = l.child(n, tok)
		}
	}
	return b.String()
}
