package vbrsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/jsondoc"
)

// Mount servers (1.3-rev0 and later). The vendor documents a mount server
// as a role assigned to an existing managed server: POST
// /backupInfrastructure/mountServers {hostId, settings, setAsDefault}
// "assigns a mount server role to an existing managed server", and the
// MountServerModel's id "is the same as the ID of the managed server". So
// a mount server has no name, its id is its host's, and there is no
// DELETE. POST and PUT answer with a session (201 SessionModel); the
// change applies when the session ends, like the other infrastructure
// objects. POST /{id}/default answers the model at once.
//
// Where the documents are silent, the simulator infers:
//   - the type is the host's OS (WindowsHost: Windows, LinuxHost: Linux);
//     other hosts cannot take the role (400);
//   - a host that already has the role, or is being given it, is refused
//     (400), as is an unknown host (404, like the other infrastructure
//     calls naming a missing object);
//   - settings not sent take the values of the vendor's example
//     (MountServerModelsResultExample): Windows C:\ProgramData\Veeam\
//     Backup\IRCache\ with ports 1063/2049, Linux /var/lib/veeam/IRCache/
//     with ports 1058/2049; vPower NFS on for Windows, off for Linux;
//   - PUT changes the settings only: type is the host's and cannot change
//     (400), and isDefault is changed through POST /{id}/default, so a
//     PUT's isDefault is ignored;
//   - one default per type: setting one clears the other of its type;
//   - removing the managed server removes its role.

const mountPath = "/api/v1/backupInfrastructure/mountServers"

// kMountServers is the collection of mount servers (by the host's id).
const kMountServers = "mountServers"

// mountServerColumns are EMountServersFiltersOrderColumn.
var mountServerColumns = map[string]column{
	"Type":             func(o *obj) any { return str(o.doc, "type") },
	"WriteCacheFolder": func(o *obj) any { return str(sub(o.doc, "settings"), "writeCacheFolder") },
}

// mountDefaults are the settings a new mount server of a type gets.
func mountDefaults(typ string) doc {
	if typ == "Linux" {
		return doc{"writeCacheFolder": "/var/lib/veeam/IRCache/", "vPowerNFSEnabled": false,
			"vPowerNFSPortSettings": doc{"mountPort": json.Number("1058"), "vPowerNFSPort": json.Number("2049")}}
	}
	return doc{"writeCacheFolder": `C:\ProgramData\Veeam\Backup\IRCache\`, "vPowerNFSEnabled": true,
		"vPowerNFSPortSettings": doc{"mountPort": json.Number("1063"), "vPowerNFSPort": json.Number("2049")}}
}

// mountRender is a mount server as the call's revision spells it (1.3-rev0
// spells EMountServerType in lower case).
func mountRender(c *call, d doc) doc {
	out := jsondoc.CopyMap(d)
	if c.rev0 {
		out["type"] = strings.ToLower(str(d, "type"))
	}
	return out
}

// listMountServers serves GET .../mountServers with typeFilter,
// isDefaultFilter, writeCacheFolderFilter (a pattern) and paging.
func (a *API) listMountServers(c *call) *reply {
	p, bad := listQuery(c, mountServerColumns)
	if bad != nil {
		return bad
	}
	q := c.r.URL.Query()
	types, folder := q["typeFilter"], q.Get("writeCacheFolderFilter")
	var isDefault *bool
	if v := q.Get("isDefaultFilter"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest(fmt.Sprintf("The isDefaultFilter parameter must be a boolean, got %q.", v))
		}
		isDefault = &b
	}
	match := compilePattern(folder)
	var col column
	if p.orderColumn != "" {
		col = mountServerColumns[p.orderColumn]
	}
	var out []any
	for _, o := range a.kinds[kMountServers].sorted(p.orderColumn, col, p.asc) {
		def, _ := o.doc["isDefault"].(bool)
		switch {
		case len(types) > 0 && !containsFold(types, str(o.doc, "type")),
			isDefault != nil && def != *isDefault,
			folder != "" && !match(strings.ToLower(str(sub(o.doc, "settings"), "writeCacheFolder"))):
			continue
		}
		out = append(out, mountRender(c, o.doc))
	}
	total := len(out)
	lo := min(p.skip, total)
	hi := min(lo+p.limit, total)
	data := append([]any{}, out[lo:hi]...)
	return a.jsonReply(c, http.StatusOK, map[string]any{"data": data,
		"pagination": map[string]any{"total": total, "count": len(data), "skip": p.skip, "limit": p.limit}})
}

// defaultMountServers serves GET .../mountServers/default: the default
// mount server of each type.
func (a *API) defaultMountServers(c *call) *reply {
	data := []any{}
	for _, o := range a.kinds[kMountServers].order {
		if def, _ := o.doc["isDefault"].(bool); def {
			data = append(data, mountRender(c, o.doc))
		}
	}
	return a.jsonReply(c, http.StatusOK, map[string]any{"data": data,
		"pagination": map[string]any{"total": len(data), "count": len(data), "skip": 0, "limit": len(data)}})
}

func (a *API) getMountServer(c *call) *reply {
	o := a.kinds[kMountServers].get(c.vars["id"])
	if o == nil {
		return notFound("Mount server", c.vars["id"])
	}
	return a.jsonReply(c, http.StatusOK, mountRender(c, o.doc))
}

// mountArgs is the effect of a mount.put session: the mount server to
// store, and whether it becomes its type's default.
type mountArgs struct {
	Doc        doc  `json:"doc"`
	SetDefault bool `json:"setDefault,omitempty"`
}

// createMountServer serves POST .../mountServers: assigns the role.
func (a *API) createMountServer(c *call) *reply {
	body, bad := decodeObject(c)
	if bad != nil {
		return bad
	}
	hostID := str(body, "hostId")
	host := a.kinds[kManagedServers].get(hostID)
	if host == nil {
		return notFound("Managed server", hostID)
	}
	typ := map[string]string{"WindowsHost": "Windows", "LinuxHost": "Linux"}[str(host.doc, "type")]
	if typ == "" {
		return badRequest(fmt.Sprintf("The mount server role can be assigned to a Windows or Linux server only; %q is %s.", str(host.doc, "name"), str(host.doc, "type")))
	}
	if a.kinds[kMountServers].get(host.id) != nil || a.pendingMount(host.id) {
		return badRequest(fmt.Sprintf("%q is already a mount server.", str(host.doc, "name")))
	}
	settings := jsondoc.MergePatch(mountDefaults(typ), body["settings"])
	def, _ := body["setAsDefault"].(bool)
	d := doc{"id": host.id, "type": typ, "settings": settings, "isDefault": false}
	s := a.start(c, "Infrastructure", "Infrastructure Item Saving", "mount.put", mountArgs{Doc: d, SetDefault: def})
	return a.sessionReply(c, http.StatusCreated, s)
}

// editMountServer serves PUT .../mountServers/{id}: new settings.
func (a *API) editMountServer(c *call) *reply {
	o := a.kinds[kMountServers].get(c.vars["id"])
	if o == nil {
		return notFound("Mount server", c.vars["id"])
	}
	body, bad := decodeObject(c)
	if bad != nil {
		return bad
	}
	if id := str(body, "id"); id != "" && !strings.EqualFold(id, o.id) {
		return badRequest(fmt.Sprintf("The ID in the body (%s) does not match the ID in the path (%s).", id, c.vars["id"]))
	}
	if t := str(body, "type"); t != "" && !strings.EqualFold(t, str(o.doc, "type")) {
		return badRequest(fmt.Sprintf("The mount server type cannot be changed (%s is a %s server).", o.id, str(o.doc, "type")))
	}
	d := jsondoc.CopyMap(o.doc)
	if s, ok := body["settings"]; ok {
		d["settings"] = jsondoc.MergePatch(sub(o.doc, "settings"), s)
	}
	s := a.start(c, "Infrastructure", "Infrastructure Item Saving", "mount.put", mountArgs{Doc: d})
	return a.sessionReply(c, http.StatusCreated, s)
}

// setDefaultMountServer serves POST .../mountServers/{id}/default.
func (a *API) setDefaultMountServer(c *call) *reply {
	o := a.kinds[kMountServers].get(c.vars["id"])
	if o == nil {
		return notFound("Mount server", c.vars["id"])
	}
	a.makeDefaultMount(o)
	c.changed = true
	return a.jsonReply(c, http.StatusCreated, mountRender(c, o.doc))
}

// makeDefaultMount makes o its type's default mount server.
func (a *API) makeDefaultMount(o *obj) {
	k := a.kinds[kMountServers]
	for _, other := range k.order {
		if other != o && strings.EqualFold(str(other.doc, "type"), str(o.doc, "type")) && other.doc["isDefault"] == true {
			other.doc["isDefault"] = false
			k.changed(other)
		}
	}
	o.doc["isDefault"] = true
	k.changed(o)
}

// pendingMount reports whether a running session assigns the role to id.
func (a *API) pendingMount(id string) bool {
	for _, s := range a.running {
		var args mountArgs
		if s.Op == "mount.put" && json.Unmarshal(s.Args, &args) == nil && strings.EqualFold(str(args.Doc, "id"), id) {
			return true
		}
	}
	return false
}

// applyMount applies a mount.put session.
func (a *API) applyMount(raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var args mountArgs
	if err := dec.Decode(&args); err != nil {
		return "", err
	}
	host := a.kinds[kManagedServers].get(str(args.Doc, "id"))
	if host == nil {
		return "", fmt.Errorf("Managed server with ID %s was not found.", str(args.Doc, "id"))
	}
	o := a.kinds[kMountServers].put(args.Doc)
	if args.SetDefault {
		a.makeDefaultMount(o)
	}
	return fmt.Sprintf("Mount server %q has been saved.", str(host.doc, "name")), nil
}

// seedMountServers gives the role to the managed servers a seed marks
// isDefaultMountServer (the backup server, which the vendor installs with
// it), when the seed lists no mount servers itself.
func (a *API) seedMountServers() {
	for _, h := range a.kinds[kManagedServers].order {
		if def, _ := h.doc["isDefaultMountServer"].(bool); !def {
			continue
		}
		typ := map[string]string{"WindowsHost": "Windows", "LinuxHost": "Linux"}[str(h.doc, "type")]
		if typ == "" || a.kinds[kMountServers].get(h.id) != nil {
			continue
		}
		a.kinds[kMountServers].put(doc{"id": h.id, "type": typ, "settings": mountDefaults(typ), "isDefault": true})
	}
}

// dropMountRole removes the mount server role of a removed managed server.
func (a *API) dropMountRole(hostID string) {
	a.kinds[kMountServers].remove(hostID)
}
