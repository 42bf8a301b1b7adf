package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/jsondoc"
)

// NodeKind says what a Node holds.
type NodeKind int

// Node kinds.
const (
	ScalarNode NodeKind = iota
	MappingNode
	SequenceNode
)

// Node is a YAML subtree as the loader hands it to the compiler, with the
// positions it needs for diagnostics.
type Node struct {
	Kind NodeKind
	Pos  diag.Pos
	// Value is a scalar's value: string, int, float64, bool or nil.
	Value any
	// At maps a rune offset inside a string scalar's decoded text to its
	// position in the file (quoted and block scalars do not map 1:1); nil
	// means every offset maps to Pos moved along the line.
	At func(off int) diag.Pos
	// Keys and KeyPos are a mapping's keys in source order; Items holds the
	// mapping's values (parallel to Keys) or a sequence's items.
	Keys   []string
	KeyPos []diag.Pos
	Items  []*Node
}

// at returns the position of rune offset off of a scalar.
func (n *Node) at(off int) diag.Pos {
	if n.At != nil {
		return n.At(off)
	}
	return n.Pos.Add(1, off+1)
}

// Plain returns the node as a plain value (map[string]any, []any, scalars).
func (n *Node) Plain() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case MappingNode:
		m := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			m[k] = n.Items[i].Plain()
		}
		return m
	case SequenceNode:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = it.Plain()
		}
		return l
	}
	return n.Value
}

// Value is a compiled YAML subtree: literals plus ${{ }} templates. A scalar
// that is exactly one template keeps the expression's type; a scalar mixing
// text and templates is spliced into a string (a Secret when any part is
// sensitive). Values are immutable and safe for concurrent Eval.
type Value struct {
	pos    diag.Pos
	static bool // no template anywhere: lit holds the whole value
	lit    any

	single *compiled // exactly one template
	src    string    // the single template's expression
	parts  []part    // spliced string

	mapping bool
	keys    []string
	items   []*Value // mapping values or sequence items
	list    bool

	refs []Ref
}

type part struct {
	lit string
	src string
	c   *compiled
}

// Pos returns where the value is written.
func (v *Value) Pos() diag.Pos {
	if v == nil {
		return diag.Pos{}
	}
	return v.pos
}

// Refs returns every reference the value's expressions make, in source
// order.
func (v *Value) Refs() []Ref {
	if v == nil {
		return nil
	}
	return v.refs
}

// Literal returns the value when it contains no template.
func (v *Value) Literal() (any, bool) {
	if v == nil {
		return nil, true
	}
	if !v.static {
		return nil, false
	}
	return jsondoc.Copy(v.lit), true
}

// IsTemplate reports whether the value is exactly one ${{ }} template.
func (v *Value) IsTemplate() bool { return v != nil && v.single != nil }

// StaticType returns the type the value is known to have at load time, or
// nil when it is only known at run time.
func (v *Value) StaticType() reflect.Type {
	switch {
	case v == nil:
		return nil
	case v.static:
		if v.lit == nil {
			return nil
		}
		return reflect.TypeOf(v.lit)
	case v.single != nil:
		if v.single.typ == nil || v.single.typ.Kind() == reflect.Interface {
			return nil
		}
		return v.single.typ
	case v.parts != nil:
		return reflect.TypeOf("")
	case v.mapping:
		return reflect.TypeOf(map[string]any{})
	case v.list:
		return reflect.TypeOf([]any{})
	}
	return nil
}

// CompileValue compiles a YAML subtree in the environment d. It returns the
// Value even when there are diagnostics, so callers can keep checking; such a
// Value must not be evaluated.
func CompileValue(n *Node, d *Decl) (*Value, diag.Diagnostics) {
	if n == nil {
		return nil, nil
	}
	var ds diag.Diagnostics
	var refs []Ref
	v := compileNode(n, d, &ds, &refs)
	return v, ds
}

// CompileValueFrom is CompileValue for a node whose plain value
// (n.Plain()) the caller already holds: when n holds no template, the
// Value shares plain instead of building its own copy. The caller must
// not modify plain afterwards.
func CompileValueFrom(n *Node, plain any, d *Decl) (*Value, diag.Diagnostics) {
	if n != nil && n.Kind != ScalarNode && !templated(n) {
		return &Value{pos: n.Pos, static: true, lit: plain}, nil
	}
	return CompileValue(n, d)
}

// compileNode compiles n. References are appended to *all, the references
// of the whole tree in source order, so each node's own are the contiguous
// run its subtree added; nodes share that array (capped, so appending to
// one's Refs never overwrites another's) instead of each copying its
// children's, which would cost the depth of the tree per reference.
func compileNode(n *Node, d *Decl, ds *diag.Diagnostics, all *[]Ref) *Value {
	if n.Kind != ScalarNode && !templated(n) {
		// Literal through and through (most specs): one Value holding
		// the plain value, not one per node.
		return &Value{pos: n.Pos, static: true, lit: n.Plain()}
	}
	v := &Value{pos: n.Pos}
	first := len(*all)
	switch n.Kind {
	case MappingNode:
		v.mapping = true
		v.keys = n.Keys
		static := true
		for i, it := range n.Items {
			if HasTemplate(n.Keys[i]) {
				p := n.Pos
				if i < len(n.KeyPos) {
					p = n.KeyPos[i]
				}
				*ds = append(*ds, diag.Errorf(p, "template-in-key", "${{ }} is not allowed in a mapping key"))
			}
			c := compileNode(it, d, ds, all)
			v.items = append(v.items, c)
			static = static && c.static
		}
		if static {
			// The children's literals, not n.Plain(): that would copy
			// the subtree again at every level. Literals are never
			// handed out without a deep copy, so sharing is safe.
			m := make(map[string]any, len(n.Keys))
			for i, k := range n.Keys {
				m[k] = v.items[i].lit
			}
			v.static, v.lit = true, m
		}
	case SequenceNode:
		v.list = true
		static := true
		for _, it := range n.Items {
			c := compileNode(it, d, ds, all)
			v.items = append(v.items, c)
			static = static && c.static
		}
		if static {
			l := make([]any, len(v.items))
			for i, it := range v.items {
				l[i] = it.lit
			}
			v.static, v.lit = true, l
		}
	default:
		s, ok := n.Value.(string)
		if !ok || !HasTemplate(s) {
			v.static, v.lit = true, n.Value
			return v
		}
		compileTemplate(v, n, s, d, ds, all)
	}
	if len(*all) > first {
		v.refs = (*all)[first:len(*all):len(*all)]
	}
	return v
}

// templated reports whether a key or a string anywhere in n holds ${{.
func templated(n *Node) bool {
	if s, ok := n.Value.(string); ok && HasTemplate(s) {
		return true
	}
	for _, k := range n.Keys {
		if HasTemplate(k) {
			return true
		}
	}
	for _, it := range n.Items {
		if templated(it) {
			return true
		}
	}
	return false
}

func compileTemplate(v *Value, n *Node, s string, d *Decl, ds *diag.Diagnostics, all *[]Ref) {
	segs, terr := splitTemplate(s)
	if terr != nil {
		*ds = append(*ds, diag.Errorf(n.at(terr.off), "bad-template", "%s", terr.msg))
		v.parts = []part{{lit: s}}
		return
	}
	single := len(segs) == 1 && segs[0].isExpr
	for _, sg := range segs {
		if !sg.isExpr {
			v.parts = append(v.parts, part{lit: sg.lit})
			continue
		}
		c := d.compileExpr(sg.expr, false)
		report(c, n, sg.off, ds, all)
		if single {
			v.single, v.src = c, sg.expr
			v.parts = nil
			return
		}
		v.parts = append(v.parts, part{src: sg.expr, c: c})
	}
}

// report turns a compiled expression's relative diagnostics and references
// into positioned ones, off being the expression's rune offset in n.
func report(c *compiled, n *Node, off int, ds *diag.Diagnostics, refs *[]Ref) {
	for _, r := range c.diags {
		dg := diag.Errorf(n.at(off+r.off), r.code, "%s", r.msg)
		dg.Hint = r.hint
		*ds = append(*ds, dg)
	}
	for _, r := range c.refs {
		ref := r.Ref
		ref.Pos = n.at(off + r.off)
		*refs = append(*refs, ref)
	}
}

// Cond is a compiled bare boolean expression (when, where, until).
type Cond struct {
	pos   diag.Pos
	src   string
	c     *compiled
	konst *bool // a literal true/false
	refs  []Ref
}

// Pos returns where the condition is written.
func (c *Cond) Pos() diag.Pos {
	if c == nil {
		return diag.Pos{}
	}
	return c.pos
}

// Source returns the expression text (for "skipped: when `...` was false").
func (c *Cond) Source() string {
	if c == nil {
		return ""
	}
	if c.konst != nil {
		return strconv.FormatBool(*c.konst)
	}
	return strings.TrimSpace(c.src)
}

// Refs returns the references the condition makes.
func (c *Cond) Refs() []Ref {
	if c == nil {
		return nil
	}
	return c.refs
}

// CompileCond compiles a condition written as a YAML scalar: a bare
// expression, a single ${{ }} template, or a literal boolean.
func CompileCond(n *Node, d *Decl) (*Cond, diag.Diagnostics) {
	if n == nil {
		return nil, nil
	}
	c := &Cond{pos: n.Pos}
	switch val := n.Value.(type) {
	case bool:
		c.konst = &val
		return c, nil
	case string:
		var ds diag.Diagnostics
		src, off := val, 0
		if HasTemplate(val) {
			segs, terr := splitTemplate(val)
			switch {
			case terr != nil:
				return c, diag.Diagnostics{diag.Errorf(n.at(terr.off), "bad-template", "%s", terr.msg)}
			case len(segs) != 1 || !segs[0].isExpr:
				return c, diag.Diagnostics{diag.Errorf(n.Pos, "bad-condition", "a condition is one boolean expression; write it bare, without ${{ }} and text around it")}
			}
			src, off = segs[0].expr, segs[0].off
		}
		if strings.TrimSpace(src) == "" {
			return c, diag.Diagnostics{diag.Errorf(n.Pos, "bad-condition", "empty condition")}
		}
		c.src = src
		c.c = d.compileExpr(src, true)
		report(c.c, n, off, &ds, &c.refs)
		return c, ds
	}
	return c, diag.Diagnostics{diag.Errorf(n.Pos, "bad-condition", "a condition must be a boolean expression, got %s", describe(n.Plain()))}
}

// CompileWhere compiles a `where` filter over items whose fields are bare
// identifiers (name == "x"), for catalogue entries that filter lists
// themselves. Only vars and env are available besides the item.
func CompileWhere(src string, pos diag.Pos) (*Cond, diag.Diagnostics) {
	d := &Decl{Context: "where", Item: true}
	return CompileCond(&Node{Kind: ScalarNode, Pos: pos, Value: src}, d)
}

// describe names a value's JSON type for messages, with scalars shown.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string " + strconv.Quote(v)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case int, float64:
		return fmt.Sprintf("number %v", v)
	case map[string]any:
		return "mapping"
	case []any:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}

// Scope is the run-time environment of an evaluation.
type Scope struct {
	Vars, Env, Data, Resources, Steps map[string]any
	// Each is the current for_each item; HasEach says whether there is one.
	Each    any
	HasEach bool
	// Item is the item a `where` condition filters; its fields are bare
	// identifiers.
	Item map[string]any
	// Secret resolves secret(name); Changed answers changed(kind_or_addr).
	Secret  func(name string) (string, error)
	Changed func(kindOrAddr string) bool
	// Known collects the secret values evaluations read: secret() results
	// and the values of sensitive env variables. An expression that reads
	// a sensitive env variable (Known.SensitiveEnv) yields a Secret, as
	// secret() does. Nil still treats names that look secret as sensitive
	// but collects nothing.
	Known *KnownSecrets
}

// taint reports whether c reads a sensitive env variable, recording the
// values it reads in s.Known. An expression that indexes env dynamically
// counts as reading every sensitive variable.
func (s *Scope) taint(c *compiled) bool {
	if s == nil || c == nil {
		return false
	}
	tainted := false
	for _, r := range c.refs {
		if r.Root != RootEnv {
			continue
		}
		if r.Key != "" {
			if s.Known.SensitiveEnv(r.Key) {
				tainted = true
				if v, ok := s.Env[r.Key].(string); ok {
					s.Known.Add(v)
				}
			}
			continue
		}
		for name, v := range s.Env {
			if str, ok := v.(string); ok && s.Known.SensitiveEnv(name) {
				tainted = true
				s.Known.Add(str)
			}
		}
	}
	return tainted
}

// sensitive wraps the strings of v as Secrets.
func sensitive(v any) any {
	switch x := v.(type) {
	case string:
		return NewSecret(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = sensitive(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sensitive(e)
		}
		return out
	}
	return v
}

func (s *Scope) runtime() map[string]any {
	if s == nil {
		s = &Scope{}
	}
	m := make(map[string]any, len(s.Item)+9)
	for k, v := range s.Item {
		m[k] = v
	}
	m[RootVars] = orEmpty(s.Vars)
	m[RootEnv] = orEmpty(s.Env)
	m[RootData] = orEmpty(s.Data)
	m[RootResources] = orEmpty(s.Resources)
	m[RootSteps] = orEmpty(s.Steps)
	m[RootEach] = s.Each
	if s.Item != nil {
		m[RootItem] = s.Item // after the fields: `item` is the whole item
	}
	secret, known := s.Secret, s.Known
	m[RootSecret] = func(name string) (Secret, error) {
		if secret == nil {
			return Secret{}, fmt.Errorf("secret %q: no secret source configured", name)
		}
		v, err := secret(name)
		if err != nil {
			return Secret{}, fmt.Errorf("secret %q: %w", name, err)
		}
		known.AddName(name)
		known.Add(v)
		return NewSecret(v), nil
	}
	changed := s.Changed
	m[RootChanged] = func(k string) bool { return changed != nil && changed(k) }
	return m
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// ErrNotCompiled is returned when evaluating a value that failed to compile.
var ErrNotCompiled = errors.New("eval: expression did not compile")

// Eval computes the value in s. Maps and lists are fresh copies.
func (v *Value) Eval(s *Scope) (any, error) {
	if v == nil {
		return nil, nil
	}
	if v.static {
		return jsondoc.Copy(v.lit), nil
	}
	return v.eval(s, s.runtime())
}

func (v *Value) eval(s *Scope, env map[string]any) (any, error) {
	switch {
	case v.static:
		return jsondoc.Copy(v.lit), nil
	case v.single != nil:
		out, err := run(v.single, v.src, v.pos, env)
		if err == nil && s.taint(v.single) {
			out = sensitive(out)
		}
		return out, err
	case v.parts != nil:
		return v.splice(s, env)
	case v.mapping:
		m := make(map[string]any, len(v.keys))
		for i, k := range v.keys {
			e, err := v.items[i].eval(s, env)
			if err != nil {
				return nil, err
			}
			m[k] = e
		}
		return m, nil
	case v.list:
		l := make([]any, len(v.items))
		for i, it := range v.items {
			e, err := it.eval(s, env)
			if err != nil {
				return nil, err
			}
			l[i] = e
		}
		return l, nil
	}
	return nil, nil
}

func (v *Value) splice(s *Scope, env map[string]any) (any, error) {
	var b strings.Builder
	secret := false
	for _, p := range v.parts {
		if p.c == nil {
			b.WriteString(p.lit)
			continue
		}
		out, err := run(p.c, p.src, v.pos, env)
		if err != nil {
			return nil, err
		}
		if s.taint(p.c) {
			secret = true
		}
		switch x := out.(type) {
		case nil:
			return nil, fmt.Errorf("%s: ${{%s}} is null and cannot be spliced into a string", v.pos, p.src)
		case Secret:
			secret = true
			b.WriteString(x.v)
		case string:
			b.WriteString(x)
		case map[string]any, []any:
			if IsSensitive(x) {
				secret = true
				x = Reveal(x)
			}
			j, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("%s: ${{%s}}: %w", v.pos, p.src, err)
			}
			b.Write(j)
		default:
			fmt.Fprint(&b, x)
		}
	}
	if secret {
		return NewSecret(b.String()), nil
	}
	return b.String(), nil
}

func run(c *compiled, src string, pos diag.Pos, env map[string]any) (any, error) {
	if c == nil || c.prog == nil {
		return nil, ErrNotCompiled
	}
	env[budgetKey] = &budget{}
	machine := vm.VM{MemoryBudget: MemoryBudget}
	out, err := machine.Run(c.prog, env)
	if err != nil {
		msg := runMessage(err)
		if be := budgetError(err, msg); be != nil {
			return nil, fmt.Errorf("%s: ${{%s}}: %w", pos, src, be)
		}
		return nil, fmt.Errorf("%s: ${{%s}}: %w", pos, src, runError{msg: msg, err: err})
	}
	return normalize(out), nil
}

// runError is an expression's run-time error: expr's message without its
// snippet, still wrapping the cause (ErrBudget, a function's error).
type runError struct {
	msg string
	err error
}

func (e runError) Error() string { return e.msg }
func (e runError) Unwrap() error { return e.err }

// runMessage strips expr's multi-line snippet from run-time errors.
func runMessage(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

func anys[T any](l []T) []any {
	out := make([]any, len(l))
	for i, v := range l {
		out[i] = v
	}
	return out
}

// normalize converts expr's results to the loader's value types.
func normalize(v any) any {
	switch x := v.(type) {
	case int64:
		return int(x)
	case int32:
		return int(x)
	case float32:
		return float64(x)
	case []string:
		return anys(x)
	case []int:
		return anys(x) // a range: 1..3
	}
	return v
}

// Eval computes the condition in s.
func (c *Cond) Eval(s *Scope) (bool, error) {
	if c == nil {
		return true, nil
	}
	if c.konst != nil {
		return *c.konst, nil
	}
	out, err := run(c.c, c.src, c.pos, s.runtime())
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("%s: condition `%s` is %s, not a boolean", c.pos, strings.TrimSpace(c.src), describe(out))
	}
	return b, nil
}
