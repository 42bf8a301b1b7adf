package vbrsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/vplay-dev/vplay/jsondoc"
)

// Create, edit and delete of managed servers and protection groups. The
// vendor answers each with a session (201 SessionModel); the change
// applies when the session ends, like repositories. The stored object is
// the revision's model built from the request body: unknown fields are
// dropped and the documented defaults filled.

// objArgs is the effect of an obj.put or obj.delete session.
type objArgs struct {
	Kind string `json:"kind"`
	Doc  doc    `json:"doc,omitempty"`
	ID   string `json:"id,omitempty"`
}

// createObject serves POST on a collection of kind k (with the item path
// template itemTmpl for the model).
func (a *API) createObject(k, what, itemTmpl string) func(*call) *reply {
	return func(c *call) *reply {
		d, bad := a.buildObject(c, itemTmpl, nil)
		if bad != nil {
			return bad
		}
		if o := a.kinds[k].byName(str(d, "name")); o != nil || a.pendingObject(k, str(d, "name"), "") {
			return badRequest(fmt.Sprintf("%s %q already exists.", what, str(d, "name")))
		}
		d["id"] = a.newID()
		s := a.start(c, "Infrastructure", "Infrastructure Item Saving", "obj.put", objArgs{Kind: k, Doc: d})
		return a.sessionReply(c, http.StatusCreated, s)
	}
}

// editObject serves PUT on an item of kind k.
func (a *API) editObject(k, what, itemTmpl string) func(*call) *reply {
	return func(c *call) *reply {
		o := a.kinds[k].get(c.vars["id"])
		if o == nil {
			return notFound(what, c.vars["id"])
		}
		d, bad := a.buildObject(c, itemTmpl, o.doc)
		if bad != nil {
			return bad
		}
		if id := str(d, "id"); id != "" && !strings.EqualFold(id, o.id) {
			return badRequest(fmt.Sprintf("The ID in the body (%s) does not match the ID in the path (%s).", id, c.vars["id"]))
		}
		d["id"] = o.id
		s := a.start(c, "Infrastructure", "Infrastructure Item Saving", "obj.put", objArgs{Kind: k, Doc: d})
		return a.sessionReply(c, http.StatusCreated, s)
	}
}

// deleteObject serves DELETE on an item of kind k; inUse names what still
// refers to the object ("" when nothing does).
func (a *API) deleteObject(k, what string, inUse func(o *obj) string) func(*call) *reply {
	return func(c *call) *reply {
		o := a.kinds[k].get(c.vars["id"])
		if o == nil {
			return notFound(what, c.vars["id"])
		}
		if inUse != nil {
			if user := inUse(o); user != "" {
				return badRequest(fmt.Sprintf("%s %q is in use by %s.", what, str(o.doc, "name"), user))
			}
		}
		s := a.start(c, "Infrastructure", "Infrastructure Item Deleting", "obj.delete", objArgs{Kind: k, ID: o.id})
		return a.sessionReply(c, http.StatusCreated, s)
	}
}

// buildObject builds the stored model of the item path itemTmpl from the
// request body merged over base (nil on create), in the canonical
// spelling.
func (a *API) buildObject(c *call, itemTmpl string, base doc) (doc, *reply) {
	v, bad := decodeObject(c)
	if bad != nil {
		return nil, bad
	}
	var item any
	for _, pi := range c.model.paths {
		if pi.tmpl == itemTmpl && pi.ops[http.MethodGet] != nil {
			item = pi.ops[http.MethodGet].schema
		}
	}
	if item == nil {
		return nil, badRequest("This revision does not document the object model.")
	}
	var hint any = v
	if base != nil {
		hint = jsondoc.MergePatch(base, v)
	}
	d, ok := a.gen(c).value(item, "", hint, 1).(map[string]any)
	if !ok {
		return nil, badRequest("Unexpected content: the body must be an object.")
	}
	return normalize(d).(map[string]any), nil
}

// pendingObject reports whether a running obj.put session saves an object
// of kind k named name (other than exceptID).
func (a *API) pendingObject(k, name, exceptID string) bool {
	for _, s := range a.running {
		if s.Op != "obj.put" {
			continue
		}
		var args objArgs
		if json.Unmarshal(s.Args, &args) == nil && args.Kind == k && strings.EqualFold(str(args.Doc, "name"), name) && !strings.EqualFold(str(args.Doc, "id"), exceptID) {
			return true
		}
	}
	return false
}

// applyObject applies an obj.put or obj.delete session.
func (a *API) applyObject(op string, raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var args objArgs
	if err := dec.Decode(&args); err != nil {
		return "", err
	}
	k, ok := a.kinds[args.Kind]
	if !ok {
		return "", fmt.Errorf("unknown collection %q", args.Kind)
	}
	if op == "obj.delete" {
		o := k.get(args.ID)
		if o == nil {
			return "", fmt.Errorf("Object with ID %s was not found.", args.ID)
		}
		k.remove(o.id)
		if args.Kind == kManagedServers {
			a.dropMountRole(o.id)
		}
		if args.Kind == kProtectionGroups {
			for _, e := range a.kinds[kDiscovered].docs() {
				if strings.EqualFold(str(e, "protectionGroupId"), o.id) {
					a.kinds[kDiscovered].remove(str(e, "id"))
				}
			}
		}
		return fmt.Sprintf("%q has been deleted.", str(o.doc, "name")), nil
	}
	if o := k.byName(str(args.Doc, "name")); o != nil && o.id != strings.ToLower(str(args.Doc, "id")) {
		return "", fmt.Errorf("%q already exists.", str(args.Doc, "name"))
	}
	k.put(args.Doc)
	return fmt.Sprintf("%q has been saved.", str(args.Doc, "name")), nil
}

// managedServerUser names a repository that uses a managed server as host,
// gateway or mount server.
func (a *API) managedServerUser(o *obj) string {
	for _, r := range a.kinds[kRepositories].order {
		ids := []string{str(r.doc, "hostId")}
		ids = append(ids, strs(sub(sub(r.doc, "share"), "gatewayServer"), "gatewayServerIds")...)
		ms := sub(r.doc, "mountServer")
		for _, side := range []string{"windows", "linux"} {
			ids = append(ids, str(sub(ms, side), "mountServerId"))
		}
		for _, id := range ids {
			if strings.EqualFold(id, o.id) {
				return fmt.Sprintf("repository %q", str(r.doc, "name"))
			}
		}
	}
	if b, _ := o.doc["isBackupServer"].(bool); b {
		return "the backup server itself"
	}
	return ""
}
