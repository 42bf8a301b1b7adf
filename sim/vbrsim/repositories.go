package vbrsim

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

const (
	reposPath    = "/api/v1/backupInfrastructure/repositories"
	scaleOutPath = "/api/v1/backupInfrastructure/scaleOutRepositories"
)

var managedServerColumns = map[string]column{
	"Name":        func(o *obj) any { return str(o.doc, "name") },
	"Type":        func(o *obj) any { return str(o.doc, "type") },
	"Description": func(o *obj) any { return str(o.doc, "description") },
	"Status":      func(o *obj) any { return str(o.doc, "status") },
}

// listManagedServers serves GET /api/v1/backupInfrastructure/managedServers.
func (a *API) listManagedServers(c *call) *reply {
	p, bad := listQuery(c, managedServerColumns)
	if bad != nil {
		return bad
	}
	types := c.r.URL.Query()["typeFilter"]
	return a.listResult(c, a.kinds[kManagedServers], p, managedServerColumns, func(o *obj) bool {
		return len(types) == 0 || containsFold(types, str(o.doc, "type"))
	})
}

func (a *API) getManagedServer(c *call) *reply {
	return a.getObject(c, kManagedServers, "Managed server", c.vars["id"])
}

// getObject answers one object of a collection, or 404 with resourceId.
func (a *API) getObject(c *call, kindName, what, id string) *reply {
	o := a.kinds[kindName].get(id)
	if o == nil {
		return notFound(what, id)
	}
	return &reply{status: http.StatusOK, body: a.encode(c, o)}
}

// repositoryColumns are ERepositoryFiltersOrderColumn.
func (a *API) repositoryColumns() map[string]column {
	return map[string]column{
		"Name":        func(o *obj) any { return str(o.doc, "name") },
		"Description": func(o *obj) any { return str(o.doc, "description") },
		"Type":        func(o *obj) any { return str(o.doc, "type") },
		"Host":        func(o *obj) any { return a.hostName(str(o.doc, "hostId")) },
		"Path":        func(o *obj) any { return repoPath(o.doc) },
	}
}

func (a *API) hostName(id string) string {
	if h := a.kinds[kManagedServers].get(id); h != nil {
		return str(h.doc, "name")
	}
	return ""
}

func repoPath(d doc) string {
	if p := str(sub(d, "repository"), "path"); p != "" {
		return p
	}
	return str(sub(d, "share"), "sharePath")
}

// extentOf maps repository ids to the scale-out repository using them.
func (a *API) extentOf() map[string]*obj {
	m := map[string]*obj{}
	for _, s := range a.kinds[kScaleOut].order {
		for _, e := range extents(s.doc) {
			m[strings.ToLower(str(e, "id"))] = s
		}
	}
	return m
}

// extents returns the performance extents of a scale-out repository.
func extents(d doc) []doc {
	arr, _ := sub(d, "performanceTier")["performanceExtents"].([]any)
	out := make([]doc, 0, len(arr))
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// listRepositories serves GET .../repositories with typeFilter[],
// hostIdFilter, pathFilter and excludeExtents.
func (a *API) listRepositories(c *call) *reply {
	cols := a.repositoryColumns()
	p, bad := listQuery(c, cols)
	if bad != nil {
		return bad
	}
	q := c.r.URL.Query()
	types, host, path := q["typeFilter"], q.Get("hostIdFilter"), q.Get("pathFilter")
	exclude, _ := strconv.ParseBool(q.Get("excludeExtents"))
	var ext map[string]*obj
	if exclude {
		ext = a.extentOf()
	}
	var keep func(*obj) bool
	if len(types) > 0 || host != "" || path != "" || exclude {
		keep = func(o *obj) bool {
			switch {
			case len(types) > 0 && !containsFold(types, str(o.doc, "type")),
				host != "" && !strings.EqualFold(host, str(o.doc, "hostId")),
				path != "" && !nameMatch(path, repoPath(o.doc)),
				exclude && ext[o.id] != nil:
				return false
			}
			return true
		}
	}
	return a.listResult(c, a.kinds[kRepositories], p, cols, keep)
}

func (a *API) getRepository(c *call) *reply {
	return a.getObject(c, kRepositories, "Repository", c.vars["id"])
}

// nameTaken reports whether a repository or scale-out repository (they
// share one namespace) other than exceptID has the name, counting creates
// still running.
func (a *API) nameTaken(name, exceptID string) bool {
	for _, k := range []string{kRepositories, kScaleOut} {
		if o := a.kinds[k].byName(name); o != nil && o.id != exceptID {
			return true
		}
	}
	for _, s := range a.running {
		if s.Op != "repo.save" && s.Op != "sobr.save" {
			continue
		}
		var d doc
		if json.Unmarshal(s.Args, &d) == nil && strings.EqualFold(str(d, "name"), name) && !strings.EqualFold(str(d, "id"), exceptID) {
			return true
		}
	}
	return false
}

// prepareRepository validates a RepositorySpec or RepositoryModel body and
// returns the canonical model to store.
func (a *API) prepareRepository(c *call, model bool) (doc, *reply) {
	m, bad := decodeObject(c)
	if bad != nil {
		return nil, bad
	}
	typ, _ := m["type"].(string)
	if bad := validate(repositorySchema(canonical(repositoryTypes, typ), model, c.rev != rev2), m); bad != nil {
		return nil, bad
	}
	d := normalize(m).(map[string]any)
	d["type"] = canonical(repositoryTypes, typ)
	delete(d, "importBackup")
	delete(d, "importIndex")
	switch d["type"] {
	case "WinLocal", "LinuxLocal", "LinuxHardened":
		want := "WindowsHost"
		if d["type"] != "WinLocal" {
			want = "LinuxHost"
		}
		host := a.kinds[kManagedServers].get(str(d, "hostId"))
		if host == nil {
			return nil, badRequest(fmt.Sprintf("Managed server with ID %s was not found.", str(d, "hostId")))
		}
		if str(host.doc, "type") != want {
			return nil, badRequest(fmt.Sprintf("Managed server %q is of type %s; a %s repository needs a %s.",
				str(host.doc, "name"), str(host.doc, "type"), d["type"], want))
		}
		d["hostId"] = host.id
		if r := a.normalizeMountServer(d, want); r != nil {
			return nil, r
		}
	case "Smb", "Nfs":
		for _, id := range strs(sub(sub(d, "share"), "gatewayServer"), "gatewayServerIds") {
			if a.kinds[kManagedServers].get(id) == nil {
				return nil, badRequest(fmt.Sprintf("Gateway server with ID %s was not found.", id))
			}
		}
		if d["mountServer"] != nil {
			if r := a.normalizeMountServer(d, "WindowsHost"); r != nil {
				return nil, r
			}
		}
	}
	return a.withDefaults(c, d, reposPath), nil
}

// normalizeMountServer turns the flat mount-server object of the rev0
// examples into MountServersSettingsModel, fills a default (the backup
// server) when absent, and checks the mount servers exist.
func (a *API) normalizeMountServer(d doc, hostType string) *reply {
	ms := sub(d, "mountServer")
	if ms == nil {
		id := a.backupServerID()
		if hostType == "WindowsHost" {
			id = str(d, "hostId")
		}
		ms = map[string]any{"mountServerId": id, "writeCacheFolder": `C:\ProgramData\Veeam\Backup\IRCache\`,
			"vPowerNFSEnabled": true, "vPowerNFSPortSettings": map[string]any{"mountPort": 1058, "vPowerNFSPort": 2049}}
	}
	if _, flat := ms["mountServerId"]; flat {
		side := "windows"
		if h := a.kinds[kManagedServers].get(str(ms, "mountServerId")); h != nil && str(h.doc, "type") == "LinuxHost" {
			side = "linux"
		}
		if ms["writeCacheFolder"] == nil || ms["vPowerNFSEnabled"] == nil {
			return badRequest("Unexpected content: mountServer.writeCacheFolder and mountServer.vPowerNFSEnabled are required.")
		}
		ms = map[string]any{"mountServerSettingsType": canonicalEnum(side), side: ms}
	}
	if ms["mountServerSettingsType"] == nil {
		return badRequest("Unexpected content: mountServer.mountServerSettingsType is required.")
	}
	for _, side := range []string{"windows", "linux"} {
		if s := sub(ms, side); s != nil && a.kinds[kManagedServers].get(str(s, "mountServerId")) == nil {
			return badRequest(fmt.Sprintf("Mount server with ID %s was not found.", str(s, "mountServerId")))
		}
	}
	d["mountServer"] = ms
	return nil
}

// backupServerID is the managed server marked isBackupServer.
func (a *API) backupServerID() string {
	for _, o := range a.kinds[kManagedServers].order {
		if b, _ := o.doc["isBackupServer"].(bool); b {
			return o.id
		}
	}
	return platformID
}

// canonical returns the spelling of s in values (case-insensitive), or s.
func canonical(values []string, s string) string {
	for _, v := range values {
		if strings.EqualFold(v, s) {
			return v
		}
	}
	return s
}

// createRepository serves POST .../repositories: 201 with an Infrastructure
// session; the repository appears when the session ends.
func (a *API) createRepository(c *call) *reply {
	d, bad := a.prepareRepository(c, false)
	if bad != nil {
		return bad
	}
	if a.nameTaken(str(d, "name"), "") {
		return badRequest(fmt.Sprintf("Repository %q already exists.", str(d, "name")))
	}
	id := a.newID()
	d["id"] = id
	if str(d, "uniqueId") == "" {
		d["uniqueId"] = strings.ReplaceAll(id, "-", "")
	}
	s := a.start(c, "Infrastructure", "Infrastructure Item Saving", "repo.save", d)
	return a.sessionReply(c, http.StatusCreated, s)
}

// editRepository serves PUT .../repositories/{id}: the full model with id.
func (a *API) editRepository(c *call) *reply {
	id := c.vars["id"]
	o := a.kinds[kRepositories].get(id)
	if o == nil {
		return notFound("Repository", id)
	}
	d, bad := a.prepareRepository(c, true)
	if bad != nil {
		return bad
	}
	if !strings.EqualFold(str(d, "id"), o.id) {
		return badRequest(fmt.Sprintf("The repository ID in the body (%s) does not match the ID in the path (%s).", str(d, "id"), id))
	}
	if d["type"] != o.doc["type"] {
		return badRequest(fmt.Sprintf("The repository type cannot be changed from %s to %s.", o.doc["type"], d["type"]))
	}
	if a.nameTaken(str(d, "name"), o.id) {
		return badRequest(fmt.Sprintf("Repository %q already exists.", str(d, "name")))
	}
	d["id"] = o.id
	if str(d, "uniqueId") == "" {
		d["uniqueId"] = o.doc["uniqueId"]
	}
	s := a.start(c, "Infrastructure", "Infrastructure Item Saving", "repo.save", d)
	return a.sessionReply(c, http.StatusCreated, s)
}

// deleteRepository serves DELETE .../repositories/{id}[?deleteBackups=]:
// 204 at once. A scale-out extent cannot be removed (inferred: 400).
func (a *API) deleteRepository(c *call) *reply {
	id := c.vars["id"]
	o := a.kinds[kRepositories].get(id)
	if o == nil {
		return notFound("Repository", id)
	}
	if sobr := a.extentOf()[o.id]; sobr != nil {
		return badRequest(fmt.Sprintf("Repository %q is an extent of scale-out backup repository %q and cannot be removed.",
			str(o.doc, "name"), str(sobr.doc, "name")))
	}
	if del, _ := strconv.ParseBool(c.r.URL.Query().Get("deleteBackups")); del {
		bk := a.kinds[kBackups]
		for _, b := range append([]*obj(nil), bk.order...) {
			if strings.EqualFold(str(b.doc, "repositoryId"), o.id) {
				bk.remove(b.id)
			}
		}
	}
	a.kinds[kRepositories].remove(o.id)
	c.changed = true
	return &reply{status: http.StatusNoContent}
}

// rescanRepositories serves POST .../repositories/rescan.
func (a *API) rescanRepositories(c *call) *reply {
	v, bad := decodeBody(c)
	if bad != nil {
		return bad
	}
	if bad := validate(idsSpec("repositoryIds"), v); bad != nil {
		return bad
	}
	ids := strs(v.(map[string]any), "repositoryIds")
	for _, id := range ids {
		if a.kinds[kRepositories].get(id) == nil {
			return notFound("Repository", id)
		}
	}
	s := a.start(c, "ConfigurationResynchronize", "Configuration Database Resynchronize", "repo.rescan", ids)
	return a.sessionReply(c, http.StatusCreated, s)
}

// repositoryState computes a RepositoryStateModel; space figures are
// derived from the id so they are stable.
func (a *API) repositoryState(o *obj, sobr *obj) doc {
	h := fnv.New64a()
	h.Write([]byte(o.id))
	n := h.Sum64()
	capacity := float64(100 + n%900)
	used := math.Round(capacity*float64((n>>10)%70)) / 100
	st := doc{
		"id": o.id, "name": str(o.doc, "name"), "type": str(o.doc, "type"), "description": str(o.doc, "description"),
		"capacityGB": capacity, "freeGB": math.Round((capacity-used)*10) / 10, "usedSpaceGB": used,
		"isOnline": true, "isOutOfDate": false,
	}
	if hid := str(o.doc, "hostId"); hid != "" {
		st["hostId"] = hid
		st["hostName"] = a.hostName(hid)
	}
	if p := repoPath(o.doc); p != "" {
		st["path"] = p
	}
	if sobr != nil {
		st["scaleOutRepositoryDetails"] = doc{"membership": str(sobr.doc, "name"), "scaleOutRepositoryId": sobr.id, "extentType": "Performance"}
	}
	return st
}

// listRepositoryStates serves GET .../repositories/states.
func (a *API) listRepositoryStates(c *call) *reply {
	cols := map[string]column{}
	for _, k := range []string{"Name", "Type", "Host", "Path", "CapacityGB", "FreeGB", "UsedSpaceGB", "Description", "Membership", "Status"} {
		cols[k] = nil
	}
	p, bad := listQuery(c, cols)
	if bad != nil {
		return bad
	}
	q := c.r.URL.Query()
	ext := a.extentOf()
	exclude, _ := strconv.ParseBool(q.Get("excludeExtents"))
	var out []doc
	for _, o := range a.kinds[kRepositories].order {
		sobr := ext[o.id]
		st := a.repositoryState(o, sobr)
		switch {
		case !nameMatch(p.nameFilter, str(st, "name")),
			q.Get("idFilter") != "" && !strings.EqualFold(q.Get("idFilter"), o.id),
			len(q["typeFilter"]) > 0 && !containsFold(q["typeFilter"], str(st, "type")),
			q.Get("sobrIdFilter") != "" && (sobr == nil || !strings.EqualFold(q.Get("sobrIdFilter"), sobr.id)),
			exclude && sobr != nil:
			continue
		}
		out = append(out, st)
	}
	if p.orderColumn != "" {
		key := map[string]string{"Name": "name", "Type": "type", "Host": "hostName", "Path": "path", "CapacityGB": "capacityGB",
			"FreeGB": "freeGB", "UsedSpaceGB": "usedSpaceGB", "Description": "description", "Status": "isOnline"}[p.orderColumn]
		sort.SliceStable(out, func(i, j int) bool {
			r := compareAny(out[i][key], out[j][key])
			if p.orderColumn == "Membership" {
				r = compareAny(str(sub(out[i], "scaleOutRepositoryDetails"), "membership"), str(sub(out[j], "scaleOutRepositoryDetails"), "membership"))
			}
			if !p.asc {
				r = -r
			}
			return r < 0
		})
	}
	total := len(out)
	lo := min(p.skip, total)
	hi := min(lo+p.limit, total)
	data := make([]any, 0, hi-lo)
	for _, d := range out[lo:hi] {
		data = append(data, d)
	}
	return a.jsonReply(c, http.StatusOK, map[string]any{
		"data": data, "pagination": map[string]any{"total": total, "count": len(data), "skip": p.skip, "limit": p.limit},
	})
}

var backupColumns = map[string]column{
	"Name":         func(o *obj) any { return str(o.doc, "name") },
	"CreationTime": func(o *obj) any { return str(o.doc, "creationTime") },
	"PlatformId":   func(o *obj) any { return str(o.doc, "platformId") },
	"JobId":        func(o *obj) any { return str(o.doc, "jobId") },
	"PolicyTag":    func(o *obj) any { return str(o.doc, "policyUniqueId") },
}

// listBackups serves GET /api/v1/backups (the ids recovery tokens need).
func (a *API) listBackups(c *call) *reply {
	p, bad := listQuery(c, backupColumns)
	if bad != nil {
		return bad
	}
	q := c.r.URL.Query()
	job, jobType := q.Get("jobIdFilter"), q.Get("jobTypeFilter")
	return a.listResult(c, a.kinds[kBackups], p, backupColumns, func(o *obj) bool {
		return (job == "" || strings.EqualFold(job, str(o.doc, "jobId"))) &&
			(jobType == "" || strings.EqualFold(jobType, str(o.doc, "jobType")))
	})
}

func (a *API) getBackup(c *call) *reply {
	return a.getObject(c, kBackups, "Backup", c.vars["id"])
}
