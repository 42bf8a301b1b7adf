package steps

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/vplay-dev/vplay/veeam/openapi"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// This file makes the with block of an object action follow the vendor:
// the fields of the operation's request model at the target's revision
// (JobStartSpec, CredentialsPasswordChangeSpec, ...), with their types,
// enums and required fields, plus the one key vplay reads itself (the
// object, by name or id). A field only some revisions accept is refused
// at validate for a target of another revision, and the body sent is made
// of exactly the vendor fields of the negotiated revision.

// fillValue is a vendor field vplay supplies when the with block leaves it
// out, so the with key is optional although the vendor requires the field.
type fillValue struct {
	// doc says what vplay sends, for describe.
	doc   string
	value func(obj Doc) any
}

// constFill supplies v.
func constFill(doc string, v any) fillValue {
	return fillValue{doc: doc, value: func(Doc) any { return v }}
}

// vendorOp is the vendor operation the action calls, as the documents
// template it ("POST /api/v1/jobs/{id}/start").
func (a objectAction) vendorOp() string {
	if a.collection == "" {
		return "POST " + a.operation
	}
	return "POST " + a.collection + "/{id}/" + a.operation
}

// requestAt returns the vendor request model of the operation at document
// revision doc; "" when the revision defines no body (or not the
// operation).
func (a objectAction) requestAt(doc string) string {
	o, ok, err := openapi.FullOperation(doc, a.vendorOp())
	if err != nil || !ok {
		return ""
	}
	return o.Request
}

// withKey is the with key of vendor field f.
func (a objectAction) withKey(f string) string {
	if k, ok := a.rename[f]; ok {
		return k
	}
	return f
}

// inputs sets the schema of an action's with block: for an operation
// with a vendor request body, the body's model at each revision
// (SchemaAt), any revision's without one (Schema, for editors and targets
// whose revision is known only at plan time: the loader then checks the
// with block against each revision's schema), and the newest revision's to
// document. An operation without a body takes only the object.
func (a objectAction) inputs(m *Meta) {
	if !a.vendorBody {
		m.Schema = a.withSchemaAt("")
		return
	}
	m.SchemaAt = a.withSchemaAt
	m.ValuesPerRevision = true
	m.schemaFn = sync.OnceValue(func() map[string]any {
		var alts []any
		for _, rev := range a.revisions() {
			s := a.withSchemaAt(rev)
			s["$id"] = "https://vplay.dev/schema/steps/" + a.name + "@" + rev + ".json"
			s["title"] = a.name + " at VBR REST " + rev
			alts = append(alts, s)
		}
		return map[string]any{"anyOf": alts, "description": "The inputs at the target's VBR API revision: one alternative per revision that defines " + a.name + "."}
	})
	m.docFn = sync.OnceValue(func() map[string]any {
		revs := a.revisions()
		return a.withSchemaAt(revs[len(revs)-1])
	})
}

// revisions lists the document revisions that define the action, oldest
// first.
func (a objectAction) revisions() []string {
	var out []string
	for _, rev := range openapi.Revisions {
		if a.definedAt(rev) {
			out = append(out, rev)
		}
	}
	return out
}

// definedAt reports whether document revision doc defines every vendor
// operation the action calls (Defined, for an entry of vendorOperations).
func (a objectAction) definedAt(doc string) bool {
	have, err := documentOps(doc)
	if err != nil {
		return false
	}
	for _, op := range vendorOperations[a.name] {
		if !have[op] {
			return false
		}
	}
	return true
}

// withSchemaAt is the schema of the with block at document revision doc
// ("" for an action without a request body): the vendor request model,
// closed, with renamed and filled fields and vplay's refinements, and the
// key naming the object.
func (a objectAction) withSchemaAt(doc string) map[string]any {
	if doc != "" && !a.definedAt(doc) {
		return withID(a.name, undefinedSchema(a.name, doc))
	}
	s := map[string]any{"type": "object", "properties": map[string]any{}}
	if name := a.requestAt(doc); doc != "" && name != "" {
		vs, err := openapi.FullJSONSchema(doc, name)
		if err != nil {
			return withID(a.name, undefinedSchema(a.name, doc))
		}
		s = jsonSchema(vs)
		delete(s, "$schema")
	}
	props, _ := asMap(s["properties"])
	if props == nil {
		props = map[string]any{}
		s["properties"] = props
	}
	required := asList(s["required"])
	for from, to := range a.rename {
		if p, ok := props[from]; ok {
			props[to] = p
			delete(props, from)
			for i, r := range required {
				if r == from {
					required[i] = to
				}
			}
		}
	}
	for k, extra := range a.refine {
		p, ok := asMap(props[k])
		if !ok {
			continue
		}
		p = maps.Clone(p)
		maps.Copy(p, extra)
		props[k] = p
	}
	for f, fv := range a.fill {
		k := a.withKey(f)
		p, ok := asMap(props[k])
		if !ok {
			continue
		}
		required = slices.DeleteFunc(required, func(r any) bool { return r == k })
		p = maps.Clone(p)
		p["description"] = strings.TrimSpace(str(p, "description") + " " + fv.doc)
		props[k] = p
	}
	if a.collection != "" {
		props[a.ref] = map[string]any{"type": "string", "minLength": 1, "description": a.refDoc}
		required = append(required, a.ref)
	}
	if len(required) > 0 {
		s["required"] = required
	} else {
		delete(s, "required")
	}
	return withID(a.name, closeSchema(jsonSchema(s)))
}

// requestFields returns the top-level fields of the vendor request model
// at doc, sorted.
func requestFields(doc, model string) ([]string, error) {
	s, err := openapi.FullJSONSchema(doc, model)
	if err != nil {
		return nil, err
	}
	props, _ := asMap(s["properties"])
	out := make([]string, 0, len(props))
	for k := range props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

// body builds the request body at VBR REST API revision rev: the vendor
// fields the with block gives, and those vplay fills; nil for an
// operation without a body at that revision. A with key that is not a
// vendor field of the revision (possible only when the with block was a
// template, unchecked at load) is refused rather than dropped.
func (a objectAction) body(rev string, with, obj Doc) (any, error) {
	if !a.vendorBody {
		return nil, nil
	}
	doc, err := vbr.DocumentOf(rev)
	if err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	model := a.requestAt(doc)
	if model == "" {
		return nil, nil
	}
	fields, err := requestFields(doc, model)
	if err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	accepted := map[string]bool{}
	out := Doc{}
	for _, f := range fields {
		k := a.withKey(f)
		accepted[k] = true
		if v, ok := with[k]; ok {
			out[f] = v
		} else if fv, ok := a.fill[f]; ok {
			out[f] = fv.value(obj)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(with)) {
		if k != a.ref && !accepted[k] {
			return nil, fmt.Errorf("with.%s: not an input at VBR REST API %s (%s takes %s)", k, rev, model,
				strings.Join(slices.Sorted(maps.Keys(accepted)), ", "))
		}
	}
	return out, nil
}
