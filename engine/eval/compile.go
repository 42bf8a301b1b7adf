package eval

import (
	"errors"
	"fmt"
	"github.com/vplay-dev/vplay/engine/diag"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
)

// Ref is one reference an expression makes to its environment, used by the
// loader for dependency order and by the engine to know what an expression
// needs. Root is one of the Root* constants.
type Ref struct {
	Root string
	// Key is the first-level name: the variable, data query, step id,
	// resource kind, env variable, secret name or changed() argument; empty
	// when the expression uses the root as a whole or indexes it dynamically.
	Key string
	// Name is the resource name in resources['KIND']['NAME'], when literal.
	Name string
	// Pos is where the reference is written.
	Pos diag.Pos
}

// maxExprLen bounds the size of one expression so pathological input cannot
// make compiling slow.
const maxExprLen = 16 << 10

// compileExpr compiles one expression of d, caching the result.
func (d *Decl) compileExpr(src string, cond bool) *compiled {
	key := cacheKey{src: src, cond: cond}
	if c, ok := d.cache[key]; ok {
		return c
	}
	c := d.compileUncached(src, cond)
	if d.cache == nil {
		d.cache = map[cacheKey]*compiled{}
	}
	d.cache[key] = c
	return c
}

func (d *Decl) compileUncached(src string, cond bool) *compiled {
	c := &compiled{}
	if len(src) > maxExprLen {
		c.diags = append(c.diags, relDiag{code: "expr-syntax", msg: fmt.Sprintf("expression too long (%d bytes, at most %d)", len(src), maxExprLen)})
		return c
	}
	tree, err := parser.Parse(src)
	if err != nil {
		c.diags = append(c.diags, exprDiag("expr-syntax", err))
		return c
	}
	w := &walker{d: d, lets: map[string]bool{}}
	ast.Walk(&tree.Node, letCollector(w.lets))
	ast.Walk(&tree.Node, w)
	c.refs, c.diags = w.refs, w.diags
	if len(c.diags) > 0 {
		return c
	}
	opts := append([]expr.Option{expr.Env(d.types())}, collectionOptions()...)
	opts = append(opts, budgetOptions()...)
	if d.Item {
		// The item's fields win over expr's builtins: `type == "LinuxHost"`
		// reads the field, `type(x)` still calls the builtin.
		for _, name := range shadowedBuiltins(&tree.Node) {
			opts = append(opts, expr.DisableBuiltin(name))
		}
	}
	if cond {
		opts = append(opts, expr.AsBool())
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		c.diags = append(c.diags, exprDiag("expr-type", err))
		return c
	}
	c.prog = prog
	if n := prog.Node(); n != nil {
		c.typ = n.Type()
	}
	return c
}

// exprDiag converts an expr error to a diagnostic at its offset.
func exprDiag(code string, err error) relDiag {
	var fe *file.Error
	if errors.As(err, &fe) {
		return relDiag{off: fe.From, code: code, msg: friendly(fe.Message)}
	}
	return relDiag{code: code, msg: friendly(err.Error())}
}

// friendly rewrites Go type names in expr's messages into the words
// playbook authors use.
var typeWords = strings.NewReplacer(
	"map[string]interface {}", "mapping", "[]interface {}", "list", "interface {}", "any",
	"eval.Secret", "secret", "float64", "number", "expected bool, but got", "a condition must be a boolean, got")

func friendly(msg string) string { return typeWords.Replace(msg) }

type letCollector map[string]bool

func (l letCollector) Visit(n *ast.Node) {
	if v, ok := (*n).(*ast.VariableDeclaratorNode); ok {
		l[v.Name] = true
	}
}

// walker checks references against the Decl and collects them.
type walker struct {
	d     *Decl
	lets  map[string]bool
	refs  []relRef
	diags []relDiag
}

func (w *walker) errorf(off int, code, hint, format string, args ...any) {
	w.diags = append(w.diags, relDiag{off: off, code: code, hint: hint, msg: fmt.Sprintf(format, args...)})
}

func (w *walker) ref(off int, r Ref) { w.refs = append(w.refs, relRef{Ref: r, off: off}) }

func (w *walker) Visit(np *ast.Node) {
	switch n := (*np).(type) {
	case *ast.IdentifierNode:
		w.identifier(n)
	case *ast.MemberNode:
		w.member(n)
	case *ast.CallNode:
		w.call(n)
	}
}

func (w *walker) identifier(n *ast.IdentifierNode) {
	if w.lets[n.Value] {
		return
	}
	d := w.d
	off := n.Location().From
	switch n.Value {
	case RootVars, RootEnv, RootSecret:
		return
	case RootEach:
		if !d.Each {
			w.errorf(off, "each-outside-loop", "add for_each to this item, or remove `each`", "`each` is only available in an item with for_each")
		}
		// The item itself (`${{ each }}`) is a reference too: without it
		// the value would look constant and be evaluated at load time,
		// when an empty for_each has no item.
		w.ref(off, Ref{Root: RootEach})
		return
	case RootData, RootResources, RootSteps:
		if !slices.Contains(d.roots(), n.Value) {
			w.errorf(off, "unavailable-root", "", "`%s` is not available in %s", n.Value, d.context())
		}
		return
	case RootChanged:
		if !d.Changed {
			w.errorf(off, "unavailable-root", "", "changed() is only available in steps")
		}
		return
	}
	if d.Item {
		return // a field of the item being filtered
	}
	if _, ok := builtin.Index[n.Value]; ok {
		return
	}
	cands := append(d.roots(), "secret", "changed")
	w.errorf(off, "unknown-name", Hint(n.Value, cands), "unknown name `%s`", n.Value)
}

func (w *walker) member(n *ast.MemberNode) {
	prop, isConst := n.Property.(*ast.StringNode)
	switch root := n.Node.(type) {
	case *ast.IdentifierNode:
		if w.lets[root.Value] {
			return
		}
		if !isConst {
			if isRoot(root.Value) {
				w.ref(root.Location().From, Ref{Root: root.Value})
			}
			return
		}
		w.rootMember(root, prop)
	case *ast.MemberNode:
		id, ok := root.Node.(*ast.IdentifierNode)
		kind, kok := root.Property.(*ast.StringNode)
		if !ok || !kok || !isConst || id.Value != RootResources || w.lets[id.Value] {
			return
		}
		for i := range w.refs {
			r := &w.refs[i]
			if r.Root == RootResources && r.Key == kind.Value && r.Name == "" && r.off == kind.Location().From {
				r.Name = prop.Value
			}
		}
	}
}

func (w *walker) rootMember(root *ast.IdentifierNode, prop *ast.StringNode) {
	d := w.d
	off := prop.Location().From
	key := prop.Value
	switch root.Value {
	case RootVars:
		w.ref(off, Ref{Root: RootVars, Key: key})
		if _, ok := d.Vars[key]; !ok {
			hint := Hint(key, sortedKeys(d.Vars))
			if len(d.Vars) == 0 {
				hint = "declare it under `vars:`"
			}
			w.errorf(off, "unknown-var", hint, "unknown variable `%s`", key)
		}
	case RootEnv:
		w.ref(off, Ref{Root: RootEnv, Key: key})
	case RootData:
		w.ref(off, Ref{Root: RootData, Key: key})
		if d.Data == nil {
			return // reported on the identifier
		}
		if _, ok := d.Data[key]; !ok {
			hint := Hint(key, sortedKeys(d.Data))
			if len(d.Data) == 0 {
				hint = "declare it under `data:`"
			}
			w.errorf(off, "unknown-data", hint, "unknown data query `%s`", key)
		}
	case RootSteps:
		w.ref(off, Ref{Root: RootSteps, Key: key})
		if !d.StepsOK || d.stepVisible(key) {
			return
		}
		if slices.Contains(d.Later, key) {
			w.errorf(off, "later-step", "move this step after step `"+key+"`", "step `%s` does not run before this one; steps can only refer to earlier steps", key)
			return
		}
		w.errorf(off, "unknown-step", Hint(key, d.Steps), "unknown step `%s`", key)
	case RootResources:
		w.ref(off, Ref{Root: RootResources, Key: key})
		if d.Kinds == nil {
			return
		}
		if !d.Kinds[key] {
			w.errorf(off, "unknown-resource-kind", Hint(key, sortedKeys(d.Kinds)), "no resource of kind `%s` is declared", key)
		}
	case RootEach:
		w.ref(off, Ref{Root: RootEach, Key: key})
	}
}

func (w *walker) call(n *ast.CallNode) {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok || w.lets[id.Value] || (id.Value != RootSecret && id.Value != RootChanged) {
		return
	}
	r := Ref{Root: id.Value}
	off := id.Location().From
	if len(n.Arguments) == 1 {
		if s, ok := n.Arguments[0].(*ast.StringNode); ok {
			r.Key = s.Value
			off = s.Location().From
		}
	}
	w.ref(off, r)
}

func isRoot(s string) bool {
	switch s {
	case RootVars, RootEnv, RootData, RootResources, RootSteps, RootEach:
		return true
	}
	return false
}

func (d *Decl) context() string {
	if d.Context == "" {
		return "this place"
	}
	return d.Context
}

// shadowedBuiltins lists the builtin names an expression uses as bare
// identifiers (not calls): in a `where`, those are the item's fields.
func shadowedBuiltins(root *ast.Node) []string {
	v := &builtinIdents{seen: map[string]bool{}}
	ast.Walk(root, v)
	return v.names
}

type builtinIdents struct {
	seen  map[string]bool
	names []string
}

func (v *builtinIdents) Visit(n *ast.Node) {
	id, ok := (*n).(*ast.IdentifierNode)
	if !ok || v.seen[id.Value] {
		return
	}
	if _, isBuiltin := builtin.Index[id.Value]; isBuiltin {
		v.seen[id.Value] = true
		v.names = append(v.names, id.Value)
	}
}
