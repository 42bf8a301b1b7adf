package vspcsim

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// prop returns a BackupAgent property by its vendor name (case-insensitive).
func (ag *agent) prop(name string) (any, bool) {
	switch strings.ToLower(name) {
	case "instanceuid":
		return ag.InstanceUID, true
	case "agentplatform":
		return ag.AgentPlatform, true
	case "status":
		return ag.Status, true
	case "managementagentuid":
		return ag.ManagementAgentUID, true
	case "managementagentstatus":
		return ag.ManagementAgentStatus, true
	case "siteuid":
		return ag.SiteUID, true
	case "organizationuid":
		return ag.OrganizationUID, true
	case "name":
		return ag.Name, true
	case "operationmode":
		return ag.OperationMode, true
	case "guimode":
		return ag.GUIMode, true
	case "platform":
		return ag.Platform, true
	case "version":
		return ag.Version, true
	case "versionstatus":
		return ag.VersionStatus, true
	case "activationtime":
		return ag.ActivationTime, true
	case "managementmode":
		return ag.ManagementMode, true
	case "installationtype":
		return ag.InstallationType, true
	case "totaljobscount":
		return float64(ag.TotalJobsCount), true
	case "runningjobscount":
		return float64(ag.RunningJobsCount), true
	case "successjobscount":
		return float64(ag.SuccessJobsCount), true
	}
	return nil, false
}

// filterNode is one element of the filter parameter: a comparison
// {property, operation, value, collation} or a group {operation: and|or|not,
// items}. The top-level array is an AND of its elements.
type filterNode struct {
	Property  string          `json:"property"`
	Operation string          `json:"operation"`
	Value     json.RawMessage `json:"value"`
	Collation string          `json:"collation"`
	Items     []filterNode    `json:"items"`
}

// paramError is a 400 about one query parameter.
type paramError struct {
	param, msg string
}

func (e *paramError) Error() string { return e.param + ": " + e.msg }

// compileFilter checks a filter and returns its predicate.
func compileFilter(raw string) (func(*agent) bool, error) {
	var nodes []filterNode
	if err := json.Unmarshal([]byte(raw), &nodes); err != nil {
		var one filterNode
		if err2 := json.Unmarshal([]byte(raw), &one); err2 != nil {
			return nil, &paramError{"filter", "the filter must be a JSON array of filter expressions"}
		}
		nodes = []filterNode{one}
	}
	preds := make([]func(*agent) bool, 0, len(nodes))
	for _, n := range nodes {
		p, err := compileNode(n, 0)
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	return func(ag *agent) bool {
		for _, p := range preds {
			if !p(ag) {
				return false
			}
		}
		return true
	}, nil
}

func compileNode(n filterNode, depth int) (func(*agent) bool, error) {
	if depth > 16 {
		return nil, &paramError{"filter", "the filter is nested too deep"}
	}
	op := strings.ToLower(n.Operation)
	switch op {
	case "and", "or", "not":
		var preds []func(*agent) bool
		for _, it := range n.Items {
			p, err := compileNode(it, depth+1)
			if err != nil {
				return nil, err
			}
			preds = append(preds, p)
		}
		return func(ag *agent) bool {
			switch op {
			case "or":
				for _, p := range preds {
					if p(ag) {
						return true
					}
				}
				return false
			case "not":
				for _, p := range preds {
					if p(ag) {
						return false
					}
				}
				return true
			default:
				for _, p := range preds {
					if !p(ag) {
						return false
					}
				}
				return true
			}
		}, nil
	}
	probe := &agent{}
	if _, ok := probe.prop(n.Property); !ok {
		return nil, &paramError{"filter", fmt.Sprintf("unknown property %q", n.Property)}
	}
	fold := strings.EqualFold(n.Collation, "ignorecase")
	var val any
	if len(n.Value) > 0 {
		if err := json.Unmarshal(n.Value, &val); err != nil {
			return nil, &paramError{"filter", fmt.Sprintf("invalid value for %q", n.Property)}
		}
	}
	prop := n.Property
	get := func(ag *agent) any { v, _ := ag.prop(prop); return v }
	switch op {
	case "equals", "notequals":
		want := op == "equals"
		return func(ag *agent) bool { return equal(get(ag), val, fold) == want }, nil
	case "in", "notin":
		list, ok := val.([]any)
		if !ok {
			return nil, &paramError{"filter", fmt.Sprintf("operation %q needs an array value", n.Operation)}
		}
		want := op == "in"
		return func(ag *agent) bool {
			v := get(ag)
			for _, x := range list {
				if equal(v, x, fold) {
					return want
				}
			}
			return !want
		}, nil
	case "contains":
		s, ok := val.(string)
		if !ok {
			return nil, &paramError{"filter", "operation \"contains\" needs a string value"}
		}
		return func(ag *agent) bool {
			v := fmt.Sprint(get(ag))
			if fold {
				return strings.Contains(strings.ToLower(v), strings.ToLower(s))
			}
			return strings.Contains(v, s)
		}, nil
	case "lessthan", "lessthanorequal", "greaterthan", "greaterthanorequal":
		return func(ag *agent) bool {
			c := order(get(ag), val, fold)
			switch op {
			case "lessthan":
				return c < 0
			case "lessthanorequal":
				return c <= 0
			case "greaterthan":
				return c > 0
			default:
				return c >= 0
			}
		}, nil
	}
	return nil, &paramError{"filter", fmt.Sprintf("unsupported operation %q", n.Operation)}
}

// equal compares a property with a filter value. Collation "ignorecase"
// folds case; the default ("ordinal") is exact (inferred).
func equal(v, want any, fold bool) bool {
	switch x := v.(type) {
	case float64:
		switch w := want.(type) {
		case float64:
			return x == w
		case string:
			f, err := strconv.ParseFloat(w, 64)
			return err == nil && f == x
		}
		return false
	case string:
		w, ok := want.(string)
		if !ok {
			return false
		}
		if fold {
			return strings.EqualFold(x, w)
		}
		return x == w
	}
	return false
}

// order compares for the ordering operations: numbers numerically, strings
// (including RFC 3339 times) lexicographically.
func order(v, want any, fold bool) int {
	if x, ok := v.(float64); ok {
		w, ok := want.(float64)
		if !ok {
			if s, isStr := want.(string); isStr {
				f, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return 0
				}
				w = f
			}
		}
		switch {
		case x < w:
			return -1
		case x > w:
			return 1
		}
		return 0
	}
	a, b := fmt.Sprint(v), fmt.Sprint(want)
	if fold {
		a, b = strings.ToLower(a), strings.ToLower(b)
	}
	return strings.Compare(a, b)
}

// sortKey is one element of the sort parameter.
type sortKey struct {
	Property  string `json:"property"`
	Direction string `json:"direction"`
	Collation string `json:"collation"`
}

// compileSort reads the sort parameter. The form taken from the VSPC
// reference is a JSON array of {"property", "direction"
// ("ascending"|"descending"), "collation"} objects (inferred from the
// reference's filter/sort model); the shorthand strings "+name" and
// "-name" are accepted too.
func compileSort(raw string) (func(a, b *agent) int, error) {
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		return nil, &paramError{"sort", "the sort must be a JSON array"}
	}
	keys := make([]sortKey, 0, len(items))
	for _, it := range items {
		var k sortKey
		var s string
		if err := json.Unmarshal(it, &s); err == nil {
			k.Property, k.Direction = s, "ascending"
			switch {
			case strings.HasPrefix(s, "-"):
				k.Property, k.Direction = s[1:], "descending"
			case strings.HasPrefix(s, "+"):
				k.Property = s[1:]
			}
		} else if err := json.Unmarshal(it, &k); err != nil {
			return nil, &paramError{"sort", "each sort item must be a string or an object"}
		}
		if _, ok := (&agent{}).prop(k.Property); !ok {
			return nil, &paramError{"sort", fmt.Sprintf("unknown property %q", k.Property)}
		}
		switch strings.ToLower(k.Direction) {
		case "", "ascending", "asc", "descending", "desc":
		default:
			return nil, &paramError{"sort", fmt.Sprintf("unknown direction %q", k.Direction)}
		}
		keys = append(keys, k)
	}
	return func(a, b *agent) int {
		for _, k := range keys {
			va, _ := a.prop(k.Property)
			vb, _ := b.prop(k.Property)
			c := order(va, vb, !strings.EqualFold(k.Collation, "ordinal"))
			if strings.HasPrefix(strings.ToLower(k.Direction), "desc") {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}, nil
}

// page selects agents: filter, then sort, then offset and limit.
func page(all []*agent, q map[string]string) (items []*agent, total, offset int, err error) {
	limit := 100
	if s, ok := first(q, "limit", "$limit"); ok {
		n, convErr := strconv.Atoi(s)
		if convErr != nil || n < 1 || n > 500 {
			return nil, 0, 0, &paramError{"limit", "the limit must be an integer from 1 to 500"}
		}
		limit = n
	}
	if s, ok := first(q, "offset", "$offset"); ok {
		n, convErr := strconv.Atoi(s)
		if convErr != nil || n < 0 {
			return nil, 0, 0, &paramError{"offset", "the offset must be a non-negative integer"}
		}
		offset = n
	}
	rows := all
	if f := q["filter"]; f != "" {
		pred, ferr := compileFilter(f)
		if ferr != nil {
			return nil, 0, 0, ferr
		}
		rows = make([]*agent, 0, len(all))
		for _, ag := range all {
			if pred(ag) {
				rows = append(rows, ag)
			}
		}
	}
	if s := q["sort"]; s != "" {
		cmp, serr := compileSort(s)
		if serr != nil {
			return nil, 0, 0, serr
		}
		sorted := append([]*agent(nil), rows...)
		sort.SliceStable(sorted, func(i, j int) bool { return cmp(sorted[i], sorted[j]) < 0 })
		rows = sorted
	}
	total = len(rows)
	lo := min(offset, total)
	return rows[lo:min(total, lo+limit)], total, offset, nil
}

func first(q map[string]string, names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := q[n]; ok {
			return v, true
		}
	}
	return "", false
}
