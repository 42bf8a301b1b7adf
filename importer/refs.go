package importer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/vplay-dev/vplay/steps"
)

// This file resolves the ids a table kind's spec holds of objects this
// import does not write (their kind is not imported): a unique name becomes
// a data query selecting the object by name (as the hand-written kinds'
// references do), a shared name keeps the id with a comment saying why.
// Values that match no listed object (session ids, unique ids, the
// all-zero id meaning none) are left as they are.

// idTarget is a listed object an id may refer to.
type idTarget struct {
	kind  string
	obj   steps.Object
	named int // how many objects of kind have obj's name
}

// idKinds returns the kinds of the API whose objects ids may refer to:
// every kind import can list but settings singletons (no id) and roles of
// other objects (a mount server shares its managed server's id).
func (im *run) idKinds() ([]string, error) {
	kinds, err := chooseKinds(im.cat, Options{API: im.opt.API, Revision: im.opt.Revision})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range kinds {
		if tr, ok := im.tables(k); ok && (tr.table.Singleton || tr.table.Owner != nil) {
			continue
		}
		out = append(out, k.Name)
	}
	return out, nil
}

// idsOf returns the objects of kind by lower-case id, listed once per
// import; a kind the server refuses to list (a role without the right, a
// revision without it) has none, so its ids stay.
func (im *run) idsOf(ctx context.Context, kind string) (map[string]idTarget, error) {
	if ix, ok := im.ids[kind]; ok {
		return ix, nil
	}
	ix := map[string]idTarget{}
	objs, err := im.list(ctx, kind)
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	named := map[string]int{}
	for _, o := range objs {
		named[o.Name]++
	}
	for _, o := range objs {
		if o.ID != "" && o.Name != "" {
			ix[strings.ToLower(o.ID)] = idTarget{kind: kind, obj: o, named: named[o.Name]}
		}
	}
	im.ids[kind] = ix
	return ix, nil
}

// imported reports whether this import writes objects of kind.
func (im *run) imported(kind string) bool {
	_, ok := im.kept[kind]
	return ok
}

// foreignIDs replaces, wherever spec holds an id under a key ending in Id
// (or in a list under a key ending in Ids), the id of an object of a kind
// this import does not write with a data query selecting it by name, or
// keeps it with a note on r when its name is not unique. A declared
// reference field (refs) looks in its own kind only, and is noted when it
// matches nothing.
func (im *run) foreignIDs(ctx context.Context, refs []steps.TableRef, v any, r *Resource) error {
	switch t := v.(type) {
	case map[string]any:
		for _, key := range sortedKeys(t) {
			switch e := t[key].(type) {
			case string:
				if !strings.HasSuffix(key, "Id") {
					continue
				}
				out, err := im.foreignID(ctx, refs, key, e, r)
				if err != nil {
					return err
				}
				t[key] = out
			case []any:
				if !strings.HasSuffix(key, "Ids") {
					if err := im.foreignIDs(ctx, refs, e, r); err != nil {
						return err
					}
					continue
				}
				for i, it := range e {
					if s, ok := it.(string); ok {
						out, err := im.foreignID(ctx, nil, key, s, r)
						if err != nil {
							return err
						}
						e[i] = out
					}
				}
			default:
				if err := im.foreignIDs(ctx, refs, e, r); err != nil {
					return err
				}
			}
		}
	case []any:
		for _, e := range t {
			if err := im.foreignIDs(ctx, refs, e, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// foreignID returns what the field key holding id is written as: a data
// reference, or id itself.
func (im *run) foreignID(ctx context.Context, refs []steps.TableRef, key, id string, r *Resource) (string, error) {
	if id == "" || strings.HasPrefix(id, "${{") {
		return id, nil
	}
	declared := ""
	for _, ref := range refs {
		if ref.IDField == key {
			declared = ref.Kind
		}
	}
	if declared != "" && im.imported(declared) {
		return id, nil // danglingRefs says why it is still an id
	}
	kinds := []string{declared}
	if declared == "" {
		var err error
		if kinds, err = im.idKinds(); err != nil {
			return "", fmt.Errorf("resolve %s: %w", key, err)
		}
	}
	var found []idTarget
	for _, kind := range kinds {
		if im.imported(kind) {
			continue
		}
		ix, err := im.idsOf(ctx, kind)
		if err != nil {
			return "", fmt.Errorf("resolve %s: %w", key, err)
		}
		if t, ok := ix[strings.ToLower(id)]; ok {
			found = append(found, t)
		}
	}
	switch {
	case len(found) == 0 && declared != "":
		addNote(r, fmt.Sprintf("%s refers to an object the server does not list: kept as an id", key))
		return id, nil
	case len(found) == 0:
		return id, nil
	case len(found) > 1:
		var kinds []string
		for _, t := range found {
			kinds = append(kinds, t.kind)
		}
		addNote(r, fmt.Sprintf("%s: objects of %s have this id; the id is kept", key, strings.Join(kinds, " and ")))
		return id, nil
	}
	t := found[0]
	if t.named > 1 {
		addNote(r, fmt.Sprintf("%s: %s %s objects are named %q; the id is kept", key, count(t.named), t.kind, t.obj.Name))
		return id, nil
	}
	q, ok := steps.ListQuery(t.kind)
	if _, known := im.cat.Query(q); !ok || !known {
		addNote(r, fmt.Sprintf("%s refers to the %s %q, which no data query lists: kept as an id", key, t.kind, t.obj.Name))
		return id, nil
	}
	field := "name"
	if k, ok := im.cat.Kind(t.kind); ok {
		if tr, ok := im.tables(k); ok && tr.table.Identity != "" {
			field = tr.table.Identity
		}
	}
	dk := dataKey(q, t.obj.Name)
	im.data[dk] = DataEntry{Key: dk, Query: q, Field: field, Name: t.obj.Name}
	return "${{ data." + dk + ".id }}", nil
}

// count spells small numbers ("two vbr.credential objects").
func count(n int) string {
	words := []string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
	if n >= 0 && n < len(words) {
		return words[n]
	}
	return fmt.Sprint(n)
}

// addNote adds a comment line to r once (a list may hold one reference
// many times).
func addNote(r *Resource, note string) {
	if !slices.Contains(r.Notes, note) {
		r.Notes = append(r.Notes, note)
	}
}
