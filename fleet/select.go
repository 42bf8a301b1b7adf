package fleet

import (
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
)

// Selector is one --select KEY=VALUE.
type Selector struct{ Key, Value string }

// ParseSelector parses KEY=VALUE.
func ParseSelector(s string) (Selector, error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return Selector{}, fmt.Errorf("--select %q: expected LABEL=VALUE (name=MEMBER selects by name)", s)
	}
	return Selector{Key: k, Value: strings.TrimSpace(v)}, nil
}

// Select returns the members every selector key matches: selectors with
// the same key are alternatives (region=eu and region=us selects both),
// different keys must all match. No selectors select every member.
func Select(ms []Member, sel []Selector) []Member {
	if len(sel) == 0 {
		return ms
	}
	byKey := map[string][]string{}
	for _, s := range sel {
		byKey[s.Key] = append(byKey[s.Key], s.Value)
	}
	var out []Member
	for _, m := range ms {
		if matches(m, byKey) {
			out = append(out, m)
		}
	}
	return out
}

func matches(m Member, byKey map[string][]string) bool {
	for k, values := range byKey {
		v, ok := m.Label(k)
		if !ok || !contains(values, v) {
			return false
		}
	}
	return true
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// Shard is shard Index of Count (0 <= Index < Count).
type Shard struct{ Index, Count int }

var shardRE = regexp.MustCompile(`^(\d*)/(\d+)$`)

// ErrNoShardIndex is returned by ParseShard for "/N" when the index
// variable (JOB_COMPLETION_INDEX) is not set either.
var ErrNoShardIndex = errors.New("fleet: no shard index")

// ParseShard parses --shard I/N. With I omitted ("/N"), I is read from
// index, the value of JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).
func ParseShard(s, index string) (Shard, error) {
	m := shardRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Shard{}, fmt.Errorf("--shard %q: expected I/N, such as 0/4 (or /4 to read I from JOB_COMPLETION_INDEX)", s)
	}
	i := m[1]
	if i == "" {
		if index == "" {
			return Shard{}, fmt.Errorf("--shard %q: %w: give I/N, or run where JOB_COMPLETION_INDEX is set", s, ErrNoShardIndex)
		}
		i = strings.TrimSpace(index)
	}
	idx, err := strconv.Atoi(i)
	if err != nil {
		return Shard{}, fmt.Errorf("--shard %q: index %q is not a number", s, i)
	}
	n, _ := strconv.Atoi(m[2])
	if n < 1 || idx < 0 || idx >= n {
		return Shard{}, fmt.Errorf("--shard %q: expected 0 <= I < N, N >= 1; got I=%d, N=%d", s, idx, n)
	}
	return Shard{Index: idx, Count: n}, nil
}

// Has reports whether member name falls in the shard: FNV-1a (64 bit) of
// the name modulo Count. The hash depends on the name only, so a member
// stays in its shard when others are added or removed, and every process
// of an Indexed Job agrees without talking to the others.
func (s Shard) Has(name string) bool {
	if s.Count <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()%uint64(s.Count) == uint64(s.Index)
}

// Filter returns the members in the shard.
func (s Shard) Filter(ms []Member) []Member {
	var out []Member
	for _, m := range ms {
		if s.Has(m.Name) {
			out = append(out, m)
		}
	}
	return out
}
