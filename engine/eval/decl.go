package eval

import (
	"reflect"
	"slices"
	"sort"

	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

// Root names of the expression environment.
const (
	RootVars      = "vars"
	RootEnv       = "env"
	RootData      = "data"
	RootResources = "resources"
	RootSteps     = "steps"
	RootEach      = "each"
	RootSecret    = "secret"  // a Ref to secret('NAME'); Key is NAME
	RootChanged   = "changed" // a Ref to changed('KIND_OR_ADDR'); Key is the argument
	RootItem      = "item"    // in a where, the whole item being filtered
)

// Decl declares what the expressions of one context (a target, a data query,
// a resource, a step) may refer to. Build one per context and reuse it: it
// caches compiled programs, so identical expressions compile once.
//
// vars, env and secret() are always available. data, resources, steps and
// changed() are available when their field is non-nil or their flag is set;
// each only when Each is set.
type Decl struct {
	// Context names the place for messages, e.g. "targets" or "resources[3]".
	Context string
	// Vars are the declared variables with their (final) values; expression
	// types are taken from the values.
	Vars map[string]any
	// Data maps declared data query names to their `one` flag; nil means
	// data is not available here.
	Data map[string]bool
	// Kinds lists the resource kinds the playbook declares; nil means
	// resources is not available here.
	Kinds map[string]bool
	// Steps lists the ids a reference may name (earlier steps); Later lists
	// the ids of this and later steps, for a precise message. Steps is
	// available when StepsOK is set.
	Steps   []string
	Later   []string
	StepsOK bool
	// Each makes `each` (the for_each item) available; EachSample, when
	// non-nil, is a sample item that gives `each` a static type.
	Each       bool
	EachSample any
	// Item makes bare identifiers resolve to fields of the item being
	// filtered (where conditions of data queries).
	Item bool
	// Changed makes the changed() function available.
	Changed bool

	env   types.Map
	cache map[cacheKey]*compiled
}

type cacheKey struct {
	src  string
	cond bool
}

// compiled is an expression compiled in a Decl, with positions relative to
// the expression text (rune offsets) so it can be shared between scalars.
type compiled struct {
	prog  *vm.Program
	typ   reflect.Type // static result type, nil when unknown
	refs  []relRef
	diags []relDiag
}

type relRef struct {
	Ref
	off int
}

type relDiag struct {
	off       int
	code, msg string
	hint      string
}

func (d *Decl) types() types.Map {
	if d.env != nil {
		return d.env
	}
	m := types.Map{
		RootVars:   typeOfValue(d.Vars, true),
		RootEnv:    types.Map{types.Extra: types.String},
		RootSecret: types.TypeOf(func(string) (Secret, error) { return Secret{}, nil }),
	}
	if d.Data != nil {
		dm := types.Map{}
		for name, one := range d.Data {
			item := types.Map{types.Extra: types.Any}
			if one {
				dm[name] = item
			} else {
				dm[name] = types.Array(item)
			}
		}
		m[RootData] = dm
	}
	if d.Kinds != nil {
		// resources[KIND] maps resource names to objects; the array
		// builtins take it too (see collection.go).
		km := types.Map{}
		for k := range d.Kinds {
			km[k] = types.Map{types.Extra: types.Map{types.Extra: types.Any}}
		}
		m[RootResources] = km
	}
	if d.StepsOK {
		sm := types.Map{}
		for _, id := range d.Steps {
			sm[id] = types.Map{types.Extra: types.Any}
		}
		m[RootSteps] = sm
	}
	if d.Each {
		if d.EachSample != nil {
			m[RootEach] = typeOfValue(d.EachSample, false)
		} else {
			m[RootEach] = types.Any
		}
	}
	if d.Changed {
		m[RootChanged] = types.TypeOf(func(string) bool { return false })
	}
	if d.Item {
		m[types.Extra] = types.Any
		m[RootItem] = types.Map{types.Extra: types.Any}
	}
	d.env = m
	return m
}

// typeOfValue derives a static type from a literal value. Maps of declared
// variables are strict (unknown keys are errors); nested maps too.
func typeOfValue(v any, strict bool) types.Type {
	switch v := v.(type) {
	case string:
		return types.String
	case bool:
		return types.Bool
	case int:
		return types.Int
	case float64:
		return types.Float64
	case map[string]any:
		m := types.Map{}
		for k, e := range v {
			m[k] = typeOfValue(e, strict)
		}
		if !strict {
			m[types.Extra] = types.Any
		}
		return m
	case []any:
		var elem types.Type
		for _, e := range v {
			t := typeOfValue(e, strict)
			if elem == nil {
				elem = t
			} else if !sameKind(elem, t) {
				elem = types.Any
				break
			}
		}
		if elem == nil {
			elem = types.Any
		}
		// Element maps are never strict: items of one list may differ.
		if m, ok := elem.(types.Map); ok {
			if _, ok := m[types.Extra]; !ok {
				elem = types.Any
			}
		}
		return types.Array(elem)
	}
	return types.Any
}

func sameKind(a, b types.Type) bool {
	_, am := a.(types.Map)
	_, bm := b.(types.Map)
	if am || bm {
		return false
	}
	return a.String() == b.String()
}

func (d *Decl) roots() []string {
	r := []string{RootVars, RootEnv}
	if d.Data != nil {
		r = append(r, RootData)
	}
	if d.Kinds != nil {
		r = append(r, RootResources)
	}
	if d.StepsOK {
		r = append(r, RootSteps)
	}
	if d.Each {
		r = append(r, RootEach)
	}
	return r
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (d *Decl) stepVisible(id string) bool { return slices.Contains(d.Steps, id) }

// Clone returns a copy of d without its compiled-program cache, to be
// changed (for example to add Each) before use.
func (d *Decl) Clone() *Decl {
	c := *d
	c.env, c.cache = nil, nil
	return &c
}
