package vbrsim

import (
	"fmt"
	"slices"
	"strings"
)

// This file keeps the generic seed plausible: a collection seeds seedItems
// objects from fewer vendor examples (and some examples share their
// identity), so without care it would hold objects the vendor forbids.

// seedUnique are the collections whose objects the vendor keeps unique by
// a field other than name, with that field (dotted): an AD domain, an
// Entra ID tenant or an excluded VM is added once; a cloud account or an
// encryption password seeded twice would be an exact copy (same account,
// same uniqueId). A seeded object repeating an earlier one's value is left
// out.
var seedUnique = map[string]string{
	"/api/v1/adDomains":                 "serverName",
	"/api/v1/cloudCredentials":          "description",
	"/api/v1/encryptionPasswords":       "hint",
	"/api/v1/inventory/entraId/tenants": "azureTenantId",
	"/api/v1/globalExclusions/vm":       "inventoryObject.name",
}

// seedAlike are the collections whose objects the vendor lets share their
// identity (field identity), told apart by another (field distinct): VBR
// keeps several credentials records for one user name, with different
// descriptions. The default seed keeps one such pair, so `vplay import`
// shows how it handles two objects with one name; a third alike object
// (a revision without vendor examples generates them all alike) gets a
// user name of its own.
var seedAlike = map[string]alike{"/api/v1/credentials": {identity: "username", distinct: "description"}}

type alike struct{ identity, distinct string }

// seedIDs are fixed ids of the first seeded objects of a collection, for
// the hand-written seed objects that refer to them: the backup server
// connects with the Administrator credentials (the first example), the
// Linux hosts and protection groups with root (the second).
var seedIDs = map[string][]string{
	"/api/v1/credentials": {"0b9d5e8e-58e6-4e1a-9d5c-6f0c3c1d2a01", "0b9d5e8e-58e6-4e1a-9d5c-6f0c3c1d2a02"},
}

// seedPlausible makes v, the i-th object seeded into the collection at
// path after earlier, one the vendor could hold, and reports whether to
// keep it.
func seedPlausible(path string, v map[string]any, earlier []map[string]any, i int) bool {
	if field, ok := seedUnique[path]; ok {
		for _, e := range earlier {
			if fieldOf(e, field) != "" && fieldOf(e, field) == fieldOf(v, field) {
				return false
			}
		}
	}
	if al, ok := seedAlike[path]; ok {
		same := 0
		for _, e := range earlier {
			if fieldOf(e, al.identity) == fieldOf(v, al.identity) {
				same++
			}
		}
		switch {
		case same == 1:
			base, _ := v[al.distinct].(string)
			v[al.distinct] = strings.TrimSpace(fmt.Sprintf("%s (record %d)", base, i+1))
			delete(v, "uniqueId") // another record, not a copy
		case same > 1:
			v[al.identity] = fmt.Sprintf("%s%d", fieldOf(v, al.identity), i+1)
		}
	}
	return true
}

// fieldOf returns the string at a dotted path of v, or "".
func fieldOf(v map[string]any, path string) string {
	var cur any = v
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[seg]
	}
	s, _ := cur.(string)
	return s
}

// zeroID is the id the vendor writes for "none" (no encryption password).
const zeroID = "00000000-0000-0000-0000-000000000000"

// seedLinks are the fields by which seeded objects refer to other objects,
// with the collection they refer to (a hand-written collection's name or a
// generic collection's path). The vendor examples the generic seed is built
// from carry ids of objects the simulator does not hold; a seeded object
// refers to the first object of the right collection instead, as a real
// server's objects refer to objects it has.
var seedLinks = map[string]string{
	"credentialsId":        "/api/v1/credentials",
	"accessCredentialsId":  "/api/v1/credentials",
	"backupRepositoryId":   kRepositories,
	"cacheRepositoryId":    kRepositories,
	"hostId":               kManagedServers,
	"passwordId":           "/api/v1/encryptionPasswords",
	"encryptionPasswordId": "/api/v1/encryptionPasswords",
}

// relink points every seedLinks field of a seeded value that names no
// object at the first object of its collection; the zero id ("none")
// stays.
func (a *API) relink(c *call, v any) {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			target, ok := seedLinks[k]
			id, isStr := t[k].(string)
			if !ok || !isStr {
				a.relink(c, t[k])
				continue
			}
			if id == "" || id == zeroID {
				continue
			}
			if ids := a.seedTargets(c, target); len(ids) > 0 && !slices.ContainsFunc(ids, func(s string) bool { return strings.EqualFold(s, id) }) {
				t[k] = ids[0]
			}
		}
	case []any:
		for _, e := range t {
			a.relink(c, e)
		}
	}
}

// seedTargets returns the ids of the objects of a collection (a
// hand-written collection's name or a generic collection's path), in
// order; none when the revision lacks the collection.
func (a *API) seedTargets(c *call, target string) []string {
	var out []string
	if k, ok := a.kinds[target]; ok {
		for _, d := range k.docs() {
			out = append(out, str(d, "id"))
		}
		return out
	}
	for _, p := range c.model.paths {
		if p.tmpl != target {
			continue
		}
		if get := p.ops["GET"]; get == nil || c.model.itemSchema(get.schema) == nil {
			return nil
		}
		for _, it := range a.collection(c, p, target).items {
			if id, _ := it["id"].(string); id != "" {
				out = append(out, id)
			}
		}
	}
	return out
}
