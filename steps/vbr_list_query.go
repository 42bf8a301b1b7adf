package steps

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/vplay-dev/vplay/veeam"
)

// This file builds the VBR data queries that are one paged list of a vendor
// collection with some parameters pushed down as vendor filters.

// vbrParam maps one query parameter to the vendor filter it becomes.
type vbrParam struct {
	name   string         // the playbook parameter
	filter string         // the vendor query parameter
	schema map[string]any // its JSON Schema
}

// nameParam is the nameFilter every VBR collection has: an exact name, or a
// pattern with * at either end.
var nameParam = vbrParam{"name", "nameFilter", prop("string", "Exact name, or a pattern with * at either end (server nameFilter).")}

// typeParam is a typeFilter taking one value or a list.
func typeParam(doc string, values ...string) vbrParam {
	one := map[string]any{"type": "string"}
	if len(values) > 0 {
		one["enum"] = values
	}
	return vbrParam{"type", "typeFilter", map[string]any{
		"description": doc,
		"oneOf":       []any{one, map[string]any{"type": "array", "items": one, "minItems": 1}},
	}}
}

// vbrListQuery is a query over one VBR collection.
type vbrListQuery struct {
	meta   Meta
	path   string
	params []vbrParam
	// nameField is the field the name parameter matches exactly ("" means
	// name; "-" a collection whose nameFilter matches fields of several
	// types, so only the server filters).
	nameField string
	// post, when set, rewrites the listed items (strip secrets, add
	// computed fields).
	post func(items []Doc) []Doc
}

func (q vbrListQuery) query() *Query {
	props := map[string]any{}
	for _, p := range q.params {
		props[p.name] = p.schema
	}
	q.meta.API = veeam.VBR
	q.meta.Schema = jsonSchema(schemaObject(props))
	return &Query{Meta: q.meta, Fetch: q.fetch}
}

func (q vbrListQuery) values(params Doc) url.Values {
	v := url.Values{}
	for _, p := range q.params {
		for _, s := range stringList(params[p.name]) {
			v.Add(p.filter, s)
		}
		if b, ok := params[p.name].(bool); ok {
			v.Set(p.filter, fmt.Sprint(b))
		}
	}
	return v
}

func (q vbrListQuery) fetch(ctx context.Context, c *Conn, params Doc) ([]Doc, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	items, err := cl.List(ctx, q.path, q.values(params))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", q.meta.Name, err)
	}
	// nameFilter also matches other fields ("any parameter"): keep exact
	// names exact.
	if n := str(params, "name"); n != "" && !strings.Contains(n, "*") && q.nameField != "-" {
		field := q.nameField
		if field == "" {
			field = "name"
		}
		items = filterDocs(items, func(d Doc) bool { return str(d, field) == n })
	}
	if q.post != nil {
		items = q.post(items)
	}
	if items == nil {
		items = []Doc{}
	}
	return items, nil
}

func filterDocs(items []Doc, keep func(Doc) bool) []Doc {
	var out []Doc
	for _, d := range items {
		if keep(d) {
			out = append(out, d)
		}
	}
	return out
}

// oneOrManyEnum accepts one of values or a non-empty list of them.
func oneOrManyEnum(doc string, values ...string) map[string]any {
	one := map[string]any{"type": "string", "enum": values}
	return map[string]any{"description": doc, "oneOf": []any{one, map[string]any{"type": "array", "items": one, "minItems": 1}}}
}
