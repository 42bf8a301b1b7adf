package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vplay-dev/vplay/steps"
)

// This file validates one entry's spec, with block or params on its own,
// against the entry's schema at one VBR document revision: how `vplay
// validate` checks the values of an entry whose target's revision is not
// known yet against each revision that defines it, without compiling a
// playbook schema per revision.

type entryKey struct {
	cat       *steps.Catalog
	name, doc string
}

var perEntry sync.Map // entryKey -> *catalogValidator

// ForEntryAt returns the validator of the schema of entry name of cat at
// VBR document revision doc (its Meta.SchemaAt), with ${{ }} templates
// accepted as in the playbook schema. It is compiled once per catalogue,
// entry and revision, on first use. Validate the entry's value with
// Validator.ValidateAt.
func ForEntryAt(cat *steps.Catalog, name, doc string) (*Validator, error) {
	e, _ := perEntry.LoadOrStore(entryKey{cat, name, doc}, &catalogValidator{})
	cv := e.(*catalogValidator)
	cv.once.Do(func() { cv.v, cv.err = compileEntry(cat, name, doc) })
	return cv.v, cv.err
}

func compileEntry(cat *steps.Catalog, name, doc string) (*Validator, error) {
	var m *steps.Meta
	if k, ok := cat.Kind(name); ok {
		m = &k.Meta
	} else if a, ok := cat.Action(name); ok {
		m = &a.Meta
	} else if q, ok := cat.Query(name); ok {
		m = &q.Meta
	}
	if m == nil || m.SchemaAt == nil {
		return nil, fmt.Errorf("schema: %s has no schema per vbr api revision", name)
	}
	defs := map[string]any{}
	if _, err := embed(defs, "entry", name+"@"+doc, m.SchemaAt(doc)); err != nil {
		return nil, err
	}
	s := defs["entry:"+name+"@"+doc].(map[string]any)
	id := "https://vplay.dev/schema/entry/" + name + "@" + doc + ".json"
	s["$id"] = id
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("schema of %s at %s: %w", name, doc, err)
	}
	root, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("schema of %s at %s: %w", name, doc, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(id, root); err != nil {
		return nil, fmt.Errorf("schema of %s at %s: %w", name, doc, err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("compile the schema of %s at %s: %w", name, doc, err)
	}
	v := &Validator{sch: sch, resources: map[string]any{}}
	v.index(id, root)
	return v, nil
}

// ValidateAt checks inst, the value found at path in a playbook, against
// the validator's root schema, and returns the violations with paths from
// the playbook's root.
func (v *Validator) ValidateAt(inst any, path []string) []Violation {
	return sortViolations(v.violations(v.sch, inst, path))
}
