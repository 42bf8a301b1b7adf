package jsondoc

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
)

// Copy deep-copies the objects and lists of v; other values are shared
// (they are immutable). The typed lists []string and []map[string]any
// become []any, so the copy is a plain document.
func Copy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return CopyMap(t)
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = Copy(e)
		}
		return l
	case []string:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = e
		}
		return l
	case []map[string]any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = CopyMap(e)
		}
		return l
	}
	return v
}

// CopyMap deep-copies an object; nil stays nil.
func CopyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		out[k] = Copy(e)
	}
	return out
}

// Merge returns a copy of base with over laid on it: objects merge key by
// key, recursively; every other value of over (lists included) replaces
// the one in base. Neither argument is modified and the result shares
// nothing with them. It is the one merge of vplay: the plan shows
// Merge(live, declared) as a resource's `after` document, and an update
// sends Merge(full live model, declared).
func Merge(base, over map[string]any) map[string]any {
	out := CopyMap(base)
	if out == nil {
		out = make(map[string]any, len(over))
	}
	for k, v := range over {
		if vm, ok := v.(map[string]any); ok {
			if bm, ok := out[k].(map[string]any); ok {
				out[k] = Merge(bm, vm)
				continue
			}
		}
		out[k] = Copy(v)
	}
	return out
}

// MergePatch applies an RFC 7386 JSON merge patch to a copy of target and
// returns it: a null in patch deletes the key, an object merges
// recursively, anything else replaces. A patch that is not an object
// replaces target as a whole.
func MergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return Copy(patch)
	}
	t, ok := target.(map[string]any)
	if ok {
		t = CopyMap(t)
	} else {
		t = make(map[string]any, len(p))
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = MergePatch(t[k], v)
	}
	return t
}

// Equal reports whether two documents are equal: objects with the same
// keys and equal values, lists of the same length with equal elements,
// numbers by value whatever their Go type (3 equals 3.0 and
// json.Number("3")), other values by ==.
func Equal(a, b any) bool {
	if eq, isNum := EqualNumber(a, b); isNum {
		return eq
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, e := range x {
			f, ok := y[k]
			if !ok || !Equal(e, f) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// EqualNumber compares a number a with b by value; isNumber is false when
// a is not a number (b may be anything: a number never equals a
// non-number). Integers compare without allocating.
func EqualNumber(a, b any) (equal, isNumber bool) {
	if x, ok := smallInt(a); ok {
		if y, ok := smallInt(b); ok {
			return x == y, true
		}
	}
	x, ok := Number(a)
	if !ok {
		return false, false
	}
	y, ok := Number(b)
	return ok && x.Cmp(y) == 0, true
}

// smallInt returns an integer number that fits an int64.
func smallInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, err == nil
	}
	return 0, false
}

// Number converts a JSON or Go number to an exact rational; ok is false
// for every other value.
func Number(v any) (r *big.Rat, ok bool) {
	var s string
	switch n := v.(type) {
	case json.Number:
		s = n.String()
	case int:
		return new(big.Rat).SetInt64(int64(n)), true
	case int8:
		return new(big.Rat).SetInt64(int64(n)), true
	case int16:
		return new(big.Rat).SetInt64(int64(n)), true
	case int32:
		return new(big.Rat).SetInt64(int64(n)), true
	case int64:
		return new(big.Rat).SetInt64(n), true
	case uint:
		return new(big.Rat).SetUint64(uint64(n)), true
	case uint8:
		return new(big.Rat).SetUint64(uint64(n)), true
	case uint16:
		return new(big.Rat).SetUint64(uint64(n)), true
	case uint32:
		return new(big.Rat).SetUint64(uint64(n)), true
	case uint64:
		return new(big.Rat).SetUint64(n), true
	case float64:
		s = strconv.FormatFloat(n, 'g', -1, 64)
	case float32:
		s = strconv.FormatFloat(float64(n), 'g', -1, 32)
	default:
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

// Canonical renders v as a string that is the same for documents Equal
// calls equal: object keys sorted, numbers in lowest terms. It keys
// documents in maps and sequence diffs.
func Canonical(v any) string { return string(AppendCanonical(nil, v)) }

// AppendCanonical appends the canonical form of v (see Canonical) to dst,
// so a caller keying many documents can reuse one buffer.
func AppendCanonical(dst []byte, v any) []byte {
	if i, ok := smallInt(v); ok {
		dst = append(dst, "n:"...)
		return strconv.AppendInt(dst, i, 10)
	}
	if r, ok := Number(v); ok {
		dst = append(dst, "n:"...)
		return append(dst, r.RatString()...)
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, x)
	case string:
		return appendString(dst, x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for _, k := range keys {
			dst = appendString(dst, k)
			dst = AppendCanonical(dst, x[k])
			dst = append(dst, ',')
		}
		return append(dst, '}')
	case []any:
		dst = append(dst, '[')
		for _, e := range x {
			dst = AppendCanonical(dst, e)
			dst = append(dst, ',')
		}
		return append(dst, ']')
	}
	return fmt.Appendf(dst, "%T:%v", v, v)
}

// appendString appends s length-prefixed, so no content can be mistaken
// for structure, without the cost of quoting.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, 's')
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, ':')
	return append(dst, s...)
}
