package vbrsim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// doc is one object as JSON, in the canonical (rev2) spelling.
type doc = map[string]any

// obj is a stored object with its encodings cached per revision.
type obj struct {
	id    string
	doc   doc
	lname string    // lower-case name, for nameFilter
	enc   [3][]byte // rendered JSON per spelling; nil until first use
}

// kind is one collection: objects by id, insertion order, and sorted views
// cached until the next change.
type kind struct {
	name  string
	byID  map[string]*obj
	order []*obj
	sorts map[string][]*obj
}

func newKind(name string) *kind {
	return &kind{name: name, byID: map[string]*obj{}, sorts: map[string][]*obj{}}
}

func (k *kind) get(id string) *obj { return k.byID[strings.ToLower(id)] }

// put inserts or replaces the object with d's id.
func (k *kind) put(d doc) *obj {
	id := strings.ToLower(str(d, "id"))
	d["id"] = id
	if o, ok := k.byID[id]; ok {
		o.doc = d
		k.changed(o)
		return o
	}
	o := &obj{id: id, doc: d, lname: strings.ToLower(str(d, "name"))}
	k.byID[id] = o
	k.order = append(k.order, o)
	k.touch()
	return o
}

// changed drops the cached encodings of o after an in-place edit.
func (k *kind) changed(o *obj) {
	o.enc = [3][]byte{}
	o.lname = strings.ToLower(str(o.doc, "name"))
	k.touch()
}

func (k *kind) remove(id string) {
	id = strings.ToLower(id)
	if _, ok := k.byID[id]; !ok {
		return
	}
	delete(k.byID, id)
	k.order = slices.DeleteFunc(k.order, func(o *obj) bool { return o.id == id })
	k.touch()
}

func (k *kind) touch() { clear(k.sorts) }

// byName finds an object by name, case-insensitively (VBR names are).
func (k *kind) byName(name string) *obj {
	for _, o := range k.order {
		if strings.EqualFold(str(o.doc, "name"), name) {
			return o
		}
	}
	return nil
}

func (k *kind) docs() []doc {
	out := make([]doc, len(k.order))
	for i, o := range k.order {
		out[i] = o.doc
	}
	return out
}

// column extracts a sort key from an object.
type column func(o *obj) any

// sorted returns the objects ordered by col (stable over insertion order),
// cached under key until the collection changes.
func (k *kind) sorted(key string, col column, asc bool) []*obj {
	if col == nil {
		return k.order
	}
	ck := key + "/" + strconv.FormatBool(asc)
	if s, ok := k.sorts[ck]; ok {
		return s
	}
	s := slices.Clone(k.order)
	slices.SortStableFunc(s, func(a, b *obj) int {
		c := compareAny(col(a), col(b))
		if !asc {
			c = -c
		}
		return c
	})
	k.sorts[ck] = s
	return s
}

func compareAny(a, b any) int {
	switch x := a.(type) {
	case float64:
		y, _ := b.(float64)
		return cmp.Compare(x, y)
	case string:
		y, _ := b.(string)
		return cmp.Compare(strings.ToLower(x), strings.ToLower(y))
	}
	return 0
}

// page is the paging and ordering of a list request.
type page struct {
	skip, limit int
	orderColumn string
	asc         bool
	nameFilter  string
}

// listQuery reads skip, limit (default 200), orderColumn, orderAsc and
// nameFilter; columns lists the documented order columns.
func listQuery(c *call, columns map[string]column) (page, *reply) {
	q := c.r.URL.Query()
	p := page{limit: 200, asc: true, nameFilter: q.Get("nameFilter")}
	if v := q.Get("skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, badRequest(fmt.Sprintf("The skip parameter must be a non-negative integer, got %q.", v))
		}
		p.skip = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, badRequest(fmt.Sprintf("The limit parameter must be a non-negative integer, got %q.", v))
		}
		p.limit = n
	}
	if v := q.Get("orderColumn"); v != "" {
		found := ""
		for name := range columns {
			if strings.EqualFold(name, v) {
				found = name
			}
		}
		if found == "" {
			return p, badRequest(fmt.Sprintf("The orderColumn value %q is not supported.", v))
		}
		p.orderColumn = found
	}
	if v := q.Get("orderAsc"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return p, badRequest(fmt.Sprintf("The orderAsc parameter must be a boolean, got %q.", v))
		}
		p.asc = b
	}
	return p, nil
}

// nameMatch applies a nameFilter: an exact value (case-insensitive) or a
// pattern with * at the beginning, the end or both.
func nameMatch(pattern, name string) bool {
	if pattern == "" {
		return true
	}
	return compilePattern(pattern)(strings.ToLower(name))
}

// compilePattern turns a nameFilter into a matcher of lower-case names.
func compilePattern(pattern string) func(lower string) bool {
	p := strings.ToLower(pattern)
	pre, suf := strings.HasPrefix(p, "*"), strings.HasSuffix(p, "*") && len(p) > 1
	core := strings.Trim(p, "*")
	switch {
	case pre && suf:
		return func(n string) bool { return strings.Contains(n, core) }
	case pre:
		return func(n string) bool { return strings.HasSuffix(n, core) }
	case suf:
		return func(n string) bool { return strings.HasPrefix(n, core) }
	}
	return func(n string) bool { return n == p }
}

// listResult renders one page of objects: sorts (cached), filters, skips
// and limits, then writes {"data":[...],"pagination":{...}} from the
// cached per-revision encodings.
func (a *API) listResult(c *call, k *kind, p page, columns map[string]column, keep func(*obj) bool) *reply {
	var col column
	if p.orderColumn != "" {
		col = columns[p.orderColumn]
	}
	all := k.sorted(p.orderColumn, col, p.asc)
	filtered := all
	if keep != nil || p.nameFilter != "" {
		match := compilePattern(p.nameFilter)
		filtered = make([]*obj, 0, 256)
		for _, o := range all {
			if p.nameFilter != "" && !match(o.lname) {
				continue
			}
			if keep != nil && !keep(o) {
				continue
			}
			filtered = append(filtered, o)
		}
	}
	total := len(filtered)
	lo := min(p.skip, total)
	hi := min(lo+p.limit, total)
	items := filtered[lo:hi]
	var b strings.Builder
	b.Grow(64 + len(items)*1024)
	b.WriteString(`{"data":[`)
	for i, o := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(a.encode(c, o))
	}
	fmt.Fprintf(&b, `],"pagination":{"total":%d,"count":%d,"skip":%d,"limit":%d}}`, total, len(items), p.skip, p.limit)
	return &reply{status: 200, body: []byte(b.String())}
}

// encode renders an object for the request's revision, cached.
func (a *API) encode(c *call, o *obj) []byte {
	i := c.spelling()
	if o.enc[i] == nil {
		b, err := json.Marshal(render(o.doc, i))
		if err != nil {
			b = []byte("{}")
		}
		o.enc[i] = b
	}
	return o.enc[i]
}

// str reads a string field ("" when absent or not a string).
func str(d doc, key string) string {
	s, _ := d[key].(string)
	return s
}

// sub reads an object field (nil when absent).
func sub(d doc, key string) doc {
	m, _ := d[key].(map[string]any)
	return m
}

// strs reads a string array field.
func strs(d doc, key string) []string {
	arr, _ := d[key].([]any)
	out := make([]string, 0, len(arr))
	for _, v := range arr {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
