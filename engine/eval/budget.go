package eval

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm/runtime"
)

// Every expression runs within a budget, so that a playbook cannot make
// validate, plan or apply exhaust memory or loop for hours:
// repeat(repeat('a', 100000), 100000) would allocate 10 GB and
// reduce(1..1000, #acc + #acc, 'ab') 2^1000 bytes.
//
//   - expr's own memory budget (MemoryBudget units: one per element of a
//     range, array or map the program builds) and node limit (MaxNodes).
//   - No string may grow beyond MaxStringBytes: string `+` and the builtins
//     that can multiply their input (repeat, replace, join) check the size
//     of their result before building it; toJSON and toBase64 (which grow
//     it by a bounded factor) after.
//   - At most MaxSteps items may be visited by the array builtins (map,
//     filter, reduce, ...) in one evaluation, so nested loops over large
//     lists end too.
const (
	// MaxNodes is the largest expression, in syntax tree nodes.
	MaxNodes = 10_000
	// MemoryBudget is expr's memory budget for one evaluation.
	MemoryBudget = 1_000_000
	// MaxStringBytes is the longest string an expression may build.
	MaxStringBytes = 1 << 20
	// MaxSteps is how many collection items the array builtins may visit in
	// one evaluation.
	MaxSteps = 10_000_000
)

// ErrBudget is matched (errors.Is) by every *BudgetError.
var ErrBudget = errors.New("eval: expression exceeds its budget")

// BudgetError is an evaluation stopped because it exceeded its budget.
type BudgetError struct {
	// Reason says which limit, in the user's words.
	Reason string
}

func (e *BudgetError) Error() string { return "the expression exceeds its budget: " + e.Reason }

// Is makes errors.Is(err, ErrBudget) true.
func (e *BudgetError) Is(target error) bool { return target == ErrBudget }

// exprMemoryBudget is the text of the panic with which expr's VM stops a
// program over its memory budget (and of repeat()'s error past a million
// copies): expr has no typed error for it, so this text is its only signal.
const exprMemoryBudget = "memory budget exceeded"

// budgetError returns the *BudgetError err holds or stands for, or nil.
func budgetError(err error, msg string) *BudgetError {
	var be *BudgetError
	if errors.As(err, &be) {
		return be
	}
	if msg == exprMemoryBudget {
		return &BudgetError{Reason: fmt.Sprintf("it builds ranges, lists or mappings of more than %d items in all", MemoryBudget)}
	}
	return nil
}

const (
	addFunc  = "__vplay_add"
	stepFunc = "__vplay_step"
	// budgetKey holds an evaluation's *budget in its environment; users
	// cannot name it (the reference check only admits the declared roots).
	budgetKey = "\x00budget"
)

// budget is what one evaluation has used.
type budget struct{ steps int }

// budgetOptions are the compile options that bound every evaluation.
func budgetOptions() []expr.Option {
	return []expr.Option{
		expr.MaxNodes(MaxNodes),
		expr.Function(addFunc, add, new(func(string, string) string), new(func(any, any) any)),
		stepFunction,
		expr.Patch(addPatch{}),
		expr.Patch(stepPatch{}),
		bounded("repeat", func(args []any) int {
			s, _ := args[0].(string)
			return len(s) * max(runtime.ToInt(args[1]), 0)
		}),
		bounded("replace", func(args []any) int {
			s, _ := args[0].(string)
			old, _ := args[1].(string)
			repl, _ := args[2].(string)
			n := strings.Count(s, old)
			if len(args) == 4 {
				if limit := runtime.ToInt(args[3]); limit >= 0 {
					n = min(n, limit)
				}
			}
			return len(s) + n*max(len(repl)-len(old), 0)
		}),
		bounded("join", func(args []any) int {
			n := 0
			if len(args) == 2 {
				sep, _ := args[1].(string)
				n = len(sep) * lenOf(args[0])
			}
			switch l := args[0].(type) {
			case []string:
				for _, s := range l {
					n += len(s)
				}
			case []any:
				for _, s := range l {
					if s, ok := s.(string); ok {
						n += len(s)
					}
				}
			}
			return n
		}),
		bounded("toJSON", nil),
		bounded("toBase64", nil),
	}
}

func lenOf(v any) int {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return rv.Len()
	}
	return 0
}

// tooLong is the error for a string over MaxStringBytes.
func tooLong(what string, n int) error {
	return &BudgetError{Reason: fmt.Sprintf("%s would build a string of %d bytes, more than %d", what, n, MaxStringBytes)}
}

// bounded replaces expr's builtin name by the same function that refuses
// to build a string over MaxStringBytes: size, when given, says before
// calling the builtin how long its result would be; without it the
// result is checked after.
func bounded(name string, size func(args []any) int) expr.Option {
	return func(c *conf.Config) {
		f := *builtin.Builtins[builtin.Index[name]]
		call := f.Func
		if call == nil {
			safe := f.Safe
			call = func(args ...any) (any, error) {
				out, _, err := safe(args...)
				return out, err
			}
		}
		f.Safe, f.Fast = nil, nil
		f.Func = func(args ...any) (any, error) {
			if size != nil {
				if n := size(args); n > MaxStringBytes {
					return nil, tooLong(name+"()", n)
				}
			}
			out, err := call(args...)
			if s, ok := out.(string); ok && err == nil && len(s) > MaxStringBytes {
				return nil, tooLong(name+"()", len(s))
			}
			return out, err
		}
		c.Functions[name] = &f
	}
}

// add is `+` on strings (or on values of unknown type), refusing results
// over MaxStringBytes; anything else is expr's own `+`.
func add(args ...any) (any, error) {
	a, aok := args[0].(string)
	b, bok := args[1].(string)
	if aok && bok {
		if n := len(a) + len(b); n > MaxStringBytes {
			return nil, tooLong("`+`", n)
		}
		return a + b, nil
	}
	return runtime.Add(args[0], args[1]), nil
}

// addPatch sends `+` through add wherever a string may be added: both
// operands are strings or of a type only known at run time. Numbers keep
// expr's `+`, and operands of known mismatched types stay for the checker
// to report.
type addPatch struct{}

// Visit implements ast.Visitor.
func (addPatch) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BinaryNode)
	if !ok || b.Operator != "+" {
		return
	}
	l, r := b.Left.Type(), b.Right.Type()
	if !(stringOrUnknown(l) && stringOrUnknown(r)) {
		return
	}
	callee := &ast.IdentifierNode{Value: addFunc}
	callee.SetLocation(b.Location())
	call := &ast.CallNode{Callee: callee, Arguments: []ast.Node{b.Left, b.Right}}
	ast.Patch(node, call)
}

func stringOrUnknown(t reflect.Type) bool {
	return t == nil || t.Kind() == reflect.String || t.Kind() == reflect.Interface
}

// stepFunction counts the items of a collection against the evaluation's
// budget and returns the collection unchanged, with its type.
var stepFunction expr.Option = func(c *conf.Config) {
	c.Functions[stepFunc] = &builtin.Function{
		Name: stepFunc,
		Func: func(args ...any) (any, error) {
			env, _ := args[1].(map[string]any)
			if b, ok := env[budgetKey].(*budget); ok {
				b.steps += lenOf(args[0])
				if b.steps > MaxSteps {
					return nil, &BudgetError{Reason: fmt.Sprintf("map, filter, reduce and the other list functions would visit more than %d items", MaxSteps)}
				}
			}
			return args[0], nil
		},
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			if len(args) != 2 {
				return nil, fmt.Errorf("%s takes 2 arguments", stepFunc)
			}
			return args[0], nil
		},
	}
}

// stepPatch wraps the collection argument of every array builtin in a call
// of stepFunc with the environment.
type stepPatch struct{}

// Visit implements ast.Visitor.
func (stepPatch) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BuiltinNode)
	if !ok || !arrayBuiltins[b.Name] || len(b.Arguments) == 0 {
		return
	}
	arg := b.Arguments[0]
	if c, ok := arg.(*ast.CallNode); ok {
		if id, ok := c.Callee.(*ast.IdentifierNode); ok && id.Value == stepFunc {
			return // patched already
		}
	}
	callee := &ast.IdentifierNode{Value: stepFunc}
	callee.SetLocation(arg.Location())
	env := &ast.IdentifierNode{Value: "$env"}
	env.SetLocation(arg.Location())
	call := &ast.CallNode{Callee: callee, Arguments: []ast.Node{arg, env}}
	call.SetLocation(arg.Location())
	b.Arguments[0] = call
}
