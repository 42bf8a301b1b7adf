package eval

import (
	"reflect"
	"slices"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// Playbooks write resources['vbr.repository'] | map(.id), but
// resources[KIND] is a mapping of resource names to objects, and expr's
// array builtins only take arrays. Every compiled expression is therefore
// patched so that the collection argument of those builtins goes through
// collectionFunc, which turns a mapping into the list of its values sorted
// by key (a stable order, the same on every run) and leaves anything else
// as it is. resources[KIND][NAME].id needs no patch.

// collectionFunc is the name of the hidden function wrapping a builtin's
// collection. Users cannot call it: the reference check reports it as an
// unknown name before expr sees the expression.
const collectionFunc = "__vplay_collection"

// arrayBuiltins are expr's builtins whose first argument is a collection.
var arrayBuiltins = map[string]bool{
	"map": true, "filter": true, "all": true, "any": true, "none": true, "one": true, "count": true,
	"sum": true, "find": true, "findIndex": true, "findLast": true, "findLastIndex": true,
	"groupBy": true, "sortBy": true, "reduce": true,
}

// collectionOptions are the expr options that install the patch.
func collectionOptions() []expr.Option {
	return []expr.Option{
		expr.Function(collectionFunc, func(params ...any) (any, error) { return collection(params[0]), nil },
			new(func(any) []any)),
		expr.Patch(collectionPatch{}),
	}
}

// collectionPatch wraps the collection argument of array builtins in a
// call to collectionFunc.
type collectionPatch struct{}

// Visit implements ast.Visitor.
func (collectionPatch) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BuiltinNode)
	if !ok || !arrayBuiltins[b.Name] || len(b.Arguments) == 0 {
		return
	}
	arg := b.Arguments[0]
	if t := arg.Type(); t != nil && t.Kind() != reflect.Map && t.Kind() != reflect.Interface {
		// A list needs no wrapping, and anything else must stay as it
		// is for the type checker to report it. (The checker has run
		// once before patching, so the argument's type is known.)
		return
	}
	if c, ok := arg.(*ast.CallNode); ok {
		if id, ok := c.Callee.(*ast.IdentifierNode); ok && id.Value == collectionFunc {
			return // patched already
		}
	}
	callee := &ast.IdentifierNode{Value: collectionFunc}
	callee.SetLocation(arg.Location())
	call := &ast.CallNode{Callee: callee, Arguments: []ast.Node{arg}}
	call.SetLocation(arg.Location())
	b.Arguments[0] = call
}

// collection returns the values of a mapping sorted by key; a list (or
// anything else, which the builtin then reports) is returned unchanged.
func collection(v any) any {
	switch m := v.(type) {
	case []any:
		return m
	case map[string]any:
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = m[k]
		}
		return out
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return v
	}
	keys := rv.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int {
		switch {
		case a.String() < b.String():
			return -1
		case a.String() > b.String():
			return 1
		}
		return 0
	})
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = rv.MapIndex(k).Interface()
	}
	return out
}
