package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/steps"
)

// This file is the bridge from the table-driven VBR kinds (steps.TableOf)
// to import rules, so the 20-odd table kinds need no hand-written rules:
//
//   - a reference field (credentialsId) becomes its alias with the other
//     object's name (credentials: root) when that name is unique, and any
//     other field holding the id of an imported object (an xxxId key)
//     becomes a resources[...] reference to it; the id of an object of a
//     kind not imported becomes a data query by name when the name is
//     unique, else stays with a comment saying why (refs.go);
//   - a required field the server never returns (create-only) becomes a
//     secret('...') reference when it holds a secret, else a documented
//     placeholder, each with a comment; a password the object's variant
//     declares becomes a secret() reference too;
//   - secrets the server echoes are dropped (the masking layer: no secret
//     value reaches the playbook).

// tableRules is what import knows of a table kind at the import's
// revision.
type tableRules struct {
	table steps.Table
	// secrets are the dotted spec fields holding secrets.
	secrets []string
}

// tableRulesOf returns the table rules of kinds at VBR document revision
// rev.
func tableRulesOf(rev string) func(*steps.Kind) (tableRules, bool) {
	return func(k *steps.Kind) (tableRules, bool) {
		t, ok := steps.TableOf(k)
		if !ok {
			return tableRules{}, false
		}
		return tableRules{table: t, secrets: t.Secrets(rev)}, true
	}
}

// tableSpec applies the table rules to the projected spec of o.
func (im *run) tableSpec(ctx context.Context, k *steps.Kind, tr tableRules, o steps.Object, schema, spec map[string]any, r *Resource) error {
	for _, p := range tr.secrets {
		removePath(spec, p)
	}
	if err := im.aliases(ctx, tr.table.Refs, spec, r); err != nil {
		return fmt.Errorf("import %s %q: %w", k.Name, o.Name, err)
	}
	im.linkIDs(spec)
	if err := im.foreignIDs(ctx, tr.table.Refs, spec, r); err != nil {
		return fmt.Errorf("import %s %q: %w", k.Name, o.Name, err)
	}
	im.danglingRefs(tr.table.Refs, spec, r)
	secret := func(p string) bool { return jsondoc.Covered(tr.secrets, p) || jsondoc.Covered(k.Sensitive, p) }
	for _, f := range missingRequired(schema, spec) {
		if secret(f.path) {
			im.secretField(k, o, spec, f.path, r, "is required on create and write-only (the server never returns it)")
			continue
		}
		v := placeholder(schema, f.schema)
		if !setPath(spec, f.path, v) {
			continue
		}
		for _, leaf := range certificateLeaves(v, f.path) {
			im.secretField(k, o, spec, leaf, r, "is the content of a certificate file (it may hold a private key), required on create and never returned")
			v = placeholderWithout(v, strings.TrimPrefix(leaf, f.path+"."))
		}
		r.Notes = append(r.Notes, fmt.Sprintf("%s is required on create and the server never returns it: %s is a placeholder; set the real value before creating this object on another server (plan never compares it)",
			f.path, placeholderText(v)))
	}
	// A password is the secret of nearly every object that has one; other
	// optional secrets (private keys, passphrases) depend on settings the
	// object does not show, so a note names them.
	var other []string
	for _, p := range declaredSecrets(schema, spec, tr.secrets) {
		if _, has := spec[p]; has {
			continue
		}
		if strings.EqualFold(p, "password") {
			im.secretField(k, o, spec, p, r, "is write-only (the server never returns it)")
			continue
		}
		other = append(other, p)
	}
	if len(other) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("write-only, not imported: %s; add it as a secret('...') reference if this object uses it", strings.Join(other, ", ")))
	}
	return nil
}

// certificateLeaves returns the dotted paths (below at) of the string
// fields named certificate in a placeholder: the content of a certificate
// file (a PFX with its private key), a secret.
func certificateLeaves(v any, at string) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var out []string
	for _, k := range sortedKeys(m) {
		switch e := m[k].(type) {
		case string:
			if strings.EqualFold(k, "certificate") {
				out = append(out, at+"."+k)
			}
		case map[string]any:
			out = append(out, certificateLeaves(e, at+"."+k)...)
		}
	}
	return out
}

// placeholderWithout is a placeholder as its note shows it once the field
// at p became a secret() reference: without that field.
func placeholderWithout(v any, p string) any {
	c := jsondoc.Copy(v)
	removePath(c, p)
	return c
}

// placeholderText is v as a note shows it: a scalar as YAML writes it,
// anything else as JSON.
func placeholderText(v any) string {
	switch v.(type) {
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err == nil {
			return string(b)
		}
	}
	return scalarValue(v)
}

// secretField writes a secret() reference at p of spec, with a note
// naming the variable to export.
func (im *run) secretField(k *steps.Kind, o steps.Object, spec map[string]any, p string, r *Resource, why string) {
	owner := k.Name + "\x00" + o.Name + "\x00" + p
	name := SecretName(im.opt.API, k.Name, o.Name, p)
	// Names that differ only in punctuation ("db-01", "db 01") make one
	// variable name: the later field gets a numbered one of its own.
	for i := 2; ; i++ {
		if got, taken := im.secrets[name]; !taken || got == owner {
			break
		}
		name = fmt.Sprintf("%s_%d", SecretName(im.opt.API, k.Name, o.Name, p), i)
	}
	if setPath(spec, p, "${{ secret('"+name+"') }}") {
		im.secrets[name] = owner
		r.Notes = append(r.Notes, fmt.Sprintf("%s %s: export %s", p, why, name))
	}
}

// declaredSecrets returns the top-level secret fields the variant of spec
// declares, sorted.
func declaredSecrets(schema, spec map[string]any, secrets []string) []string {
	p := projector{root: schema}
	sh := shape{props: map[string][]map[string]any{}, required: map[string]bool{}}
	p.gather(schema, spec, &sh, 0)
	var out []string
	for _, s := range secrets {
		if _, ok := sh.props[s]; ok && !strings.Contains(s, ".") {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// aliases writes, wherever spec holds a reference field (credentialsId),
// its alias with the name of the object it refers to (credentials: root),
// when the server lists exactly one object of that name; else the id
// stays for linkIDs. The alias the live document carries is replaced.
func (im *run) aliases(ctx context.Context, refs []steps.TableRef, spec any, r *Resource) error {
	var firstErr error
	var visit func(v any)
	visit = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for _, ref := range refs {
				id, ok := t[ref.IDField].(string)
				if !ok || id == "" {
					continue
				}
				delete(t, ref.Alias)
				if _, known := im.cat.Kind(ref.Kind); !known {
					continue
				}
				objs, err := im.list(ctx, ref.Kind)
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				if name, unique := uniqueName(objs, id); unique {
					t[ref.Alias] = name
					delete(t, ref.IDField)
				}
			}
			for _, k := range sortedKeys(t) {
				visit(t[k])
			}
		case []any:
			for _, e := range t {
				visit(e)
			}
		}
	}
	visit(spec)
	return firstErr
}

// uniqueName returns the name of the object with id, and whether no other
// object has that name.
func uniqueName(objs []steps.Object, id string) (string, bool) {
	name, found := "", false
	for _, o := range objs {
		if strings.EqualFold(o.ID, id) {
			name, found = o.Name, true
		}
	}
	if !found || name == "" {
		return "", false
	}
	n := 0
	for _, o := range objs {
		if o.Name == name {
			n++
		}
	}
	return name, n == 1
}

// linkIDs replaces every id of an imported object that spec holds under a
// key ending in Id (or in a list under a key ending in Ids) with a
// resources[...] reference to that object.
func (im *run) linkIDs(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			switch {
			case strings.HasSuffix(k, "Id"):
				if s, ok := e.(string); ok && im.byID[strings.ToLower(s)] != "" {
					t[k] = im.byID[strings.ToLower(s)]
				}
			case strings.HasSuffix(k, "Ids"):
				if l, ok := e.([]any); ok {
					for i, it := range l {
						if s, ok := it.(string); ok && im.byID[strings.ToLower(s)] != "" {
							l[i] = im.byID[strings.ToLower(s)]
						}
					}
				}
			default:
				im.linkIDs(e)
			}
		}
	case []any:
		for _, e := range t {
			im.linkIDs(e)
		}
	}
}

// danglingRefs notes the reference fields to an imported kind that still
// hold an id: an object skipped for its name, or one the server does not
// list (foreignIDs notes those to other kinds).
func (im *run) danglingRefs(refs []steps.TableRef, spec any, r *Resource) {
	for _, ref := range refs {
		if !im.imported(ref.Kind) {
			continue
		}
		for _, id := range fieldValues(spec, ref.IDField) {
			if strings.HasPrefix(id, "${{") {
				continue
			}
			why := "an object the server does not list"
			for _, dups := range im.skipped[ref.Kind] {
				for _, d := range dups {
					if strings.EqualFold(d.ID, id) {
						why = fmt.Sprintf("the %s %q that import skipped (its name is not unique)", ref.Kind, d.Name)
					}
				}
			}
			r.Notes = append(r.Notes, fmt.Sprintf("%s refers to %s: kept as an id", ref.IDField, why))
		}
	}
}

// fieldValues returns every string value of key anywhere in v.
func fieldValues(v any, key string) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			if s, ok := t[k].(string); ok && k == key {
				out = append(out, s)
				continue
			}
			out = append(out, fieldValues(t[k], key)...)
		}
	case []any:
		for _, e := range t {
			out = append(out, fieldValues(e, key)...)
		}
	}
	return out
}
