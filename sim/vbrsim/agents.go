package vbrsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// agentVersion is the agent build the simulator "installs".
const agentVersion = "13.0.0.632"

var recoveryTokenColumns = map[string]column{
	"Name":           func(o *obj) any { return str(o.doc, "name") },
	"ExpirationDate": func(o *obj) any { return str(o.doc, "expirationDate") },
}

func (a *API) listRecoveryTokens(c *call) *reply {
	p, bad := listQuery(c, recoveryTokenColumns)
	if bad != nil {
		return bad
	}
	return a.listResult(c, a.kinds[kRecoveryTokens], p, recoveryTokenColumns, nil)
}

func (a *API) getRecoveryToken(c *call) *reply {
	return a.getObject(c, kRecoveryTokens, "Recovery token", c.vars["id"])
}

// recoveryTokenValue generates a token shaped like the vendor's example
// "ASD-123-DSA-321-QWE-456", derived from the token id.
func recoveryTokenValue(id string) string {
	sum := sha256.Sum256([]byte("recovery-token:" + id))
	var b strings.Builder
	for i := range 3 {
		if i > 0 {
			b.WriteByte('-')
		}
		for j := range 3 {
			b.WriteByte('A' + sum[i*6+j]%26)
		}
		b.WriteByte('-')
		for j := range 3 {
			b.WriteByte('0' + sum[i*6+3+j]%10)
		}
	}
	return b.String()
}

// createRecoveryToken serves POST /api/v1/agents/recoveryTokens: the token
// itself, 200 before 1.3-rev2 and 201 in 1.3-rev2. Every backup must exist and the
// expiration must lie in the future (inferred).
func (a *API) createRecoveryToken(c *call) *reply {
	v, bad := decodeBody(c)
	if bad != nil {
		return bad
	}
	if bad := validate(recoveryTokenSpec, v); bad != nil {
		return bad
	}
	m := v.(map[string]any)
	ids := strs(m, "backupIds")
	if len(ids) == 0 {
		return badRequest("Unexpected content: backupIds must list at least one backup.")
	}
	var first *obj
	for _, id := range ids {
		b := a.kinds[kBackups].get(id)
		if b == nil {
			return badRequest(fmt.Sprintf("Backup with ID %s was not found.", id))
		}
		if first == nil {
			first = b
		}
	}
	exp, _ := parseTime(str(m, "expirationDate"))
	if !exp.After(c.now) {
		return badRequest("The expiration date must be in the future.")
	}
	id := a.newID()
	d := doc{
		"id": id, "name": "Recovery token for " + str(first.doc, "name"),
		"recoveryToken": recoveryTokenValue(id), "expirationDate": exp.UTC().Format(time.RFC3339),
	}
	o := a.kinds[kRecoveryTokens].put(d)
	c.changed = true
	status := http.StatusCreated
	if c.rev != rev2 {
		status = http.StatusOK
	}
	return &reply{status: status, body: a.encode(c, o)}
}

// editRecoveryToken serves PUT .../recoveryTokens/{id}: name and
// expirationDate change; the token value stays the server's.
func (a *API) editRecoveryToken(c *call) *reply {
	o := a.kinds[kRecoveryTokens].get(c.vars["id"])
	if o == nil {
		return notFound("Recovery token", c.vars["id"])
	}
	v, bad := decodeBody(c)
	if bad != nil {
		return bad
	}
	if bad := validate(recoveryTokenModel, v); bad != nil {
		return bad
	}
	m := v.(map[string]any)
	if !strings.EqualFold(str(m, "id"), o.id) {
		return badRequest(fmt.Sprintf("The ID in the body (%s) does not match the ID in the path (%s).", str(m, "id"), c.vars["id"]))
	}
	exp, _ := parseTime(str(m, "expirationDate"))
	o.doc["name"] = str(m, "name")
	o.doc["expirationDate"] = exp.UTC().Format(time.RFC3339)
	a.kinds[kRecoveryTokens].changed(o)
	c.changed = true
	return &reply{status: http.StatusOK, body: a.encode(c, o)}
}

func (a *API) deleteRecoveryToken(c *call) *reply {
	o := a.kinds[kRecoveryTokens].get(c.vars["id"])
	if o == nil {
		return notFound("Recovery token", c.vars["id"])
	}
	a.kinds[kRecoveryTokens].remove(o.id)
	c.changed = true
	return &reply{status: http.StatusNoContent}
}

var protectionGroupColumns = map[string]column{
	"Name":        func(o *obj) any { return str(o.doc, "name") },
	"Description": func(o *obj) any { return str(o.doc, "description") },
	"Type":        func(o *obj) any { return str(o.doc, "type") },
}

func (a *API) listProtectionGroups(c *call) *reply {
	p, bad := listQuery(c, protectionGroupColumns)
	if bad != nil {
		return bad
	}
	typ := c.r.URL.Query().Get("typeFilter")
	return a.listResult(c, a.kinds[kProtectionGroups], p, protectionGroupColumns, func(o *obj) bool {
		return typ == "" || strings.EqualFold(typ, str(o.doc, "type"))
	})
}

func (a *API) getProtectionGroup(c *call) *reply {
	return a.getObject(c, kProtectionGroups, "Protection group", c.vars["id"])
}

var discoveredColumns = map[string]column{
	"Name":            func(o *obj) any { return str(o.doc, "name") },
	"State":           func(o *obj) any { return str(o.doc, "state") },
	"AgentStatus":     func(o *obj) any { return str(o.doc, "agentStatus") },
	"DriverStatus":    func(o *obj) any { return str(o.doc, "driverStatus") },
	"OperatingSystem": func(o *obj) any { return str(o.doc, "operatingSystem") },
}

// listDiscovered serves GET .../protectionGroups/{id}/discoveredEntities.
func (a *API) listDiscovered(c *call) *reply {
	pg := a.kinds[kProtectionGroups].get(c.vars["id"])
	if pg == nil {
		return notFound("Protection group", c.vars["id"])
	}
	p, bad := listQuery(c, discoveredColumns)
	if bad != nil {
		return bad
	}
	q := c.r.URL.Query()
	ip, state, agent, driver := q.Get("ipAddressFilter"), q.Get("stateFilter"), q.Get("agentStatusFilter"), q.Get("driverStatusFilter")
	return a.listResult(c, a.kinds[kDiscovered], p, discoveredColumns, func(o *obj) bool {
		if !strings.EqualFold(str(o.doc, "protectionGroupId"), pg.id) {
			return false
		}
		if ip != "" {
			found := false
			for _, addr := range strs(o.doc, "ipAddresses") {
				found = found || nameMatch(ip, addr)
			}
			if !found {
				return false
			}
		}
		return (state == "" || strings.EqualFold(state, str(o.doc, "state"))) &&
			(agent == "" || strings.EqualFold(agent, str(o.doc, "agentStatus"))) &&
			(driver == "" || strings.EqualFold(driver, str(o.doc, "driverStatus")))
	})
}

// entity finds a discovered entity of a protection group, or answers 404.
func (a *API) entity(c *call, pgID, id string) (*obj, *reply) {
	pg := a.kinds[kProtectionGroups].get(pgID)
	if pg == nil {
		return nil, notFound("Protection group", pgID)
	}
	o := a.kinds[kDiscovered].get(id)
	if o == nil || !strings.EqualFold(str(o.doc, "protectionGroupId"), pg.id) {
		return nil, notFound("Discovered entity", id)
	}
	return o, nil
}

func (a *API) getDiscovered(c *call) *reply {
	o, bad := a.entity(c, c.vars["id"], c.vars["entityId"])
	if bad != nil {
		return bad
	}
	return &reply{status: http.StatusOK, body: a.encode(c, o)}
}

func (a *API) deleteDiscovered(c *call) *reply {
	o, bad := a.entity(c, c.vars["id"], c.vars["entityId"])
	if bad != nil {
		return bad
	}
	a.kinds[kDiscovered].remove(o.id)
	c.changed = true
	return &reply{status: http.StatusNoContent}
}

// entityArgs is the effect of a discovered-entity action.
type entityArgs struct {
	Action string   `json:"action"`
	IDs    []string `json:"entityIds"`
}

// entityAction serves the discovered-entity actions: 200 with a session
// (AgentDiscovery; Infrastructure for uninstallAllComponents, as the vendor
// examples show); the entities change when it ends.
func (a *API) entityAction(action string) func(*call) *reply {
	return func(c *call) *reply {
		pg := a.kinds[kProtectionGroups].get(c.vars["id"])
		if pg == nil {
			return notFound("Protection group", c.vars["id"])
		}
		v, bad := decodeBody(c)
		if bad != nil {
			return bad
		}
		if bad := validate(idsSpec("entityIds"), v); bad != nil {
			return bad
		}
		ids := strs(v.(map[string]any), "entityIds")
		var names []string
		for i, id := range ids {
			o, bad := a.entity(c, pg.id, id)
			if bad != nil {
				return bad
			}
			ids[i] = o.id
			names = append(names, str(o.doc, "name"))
		}
		typ := "AgentDiscovery"
		name := map[string]string{
			"rescan":                 "Rescan of " + strings.Join(names, ", "),
			"installAgent":           "Agent installation on " + strings.Join(names, ", "),
			"uninstallAgent":         "Agent uninstallation from " + strings.Join(names, ", "),
			"uninstallAllComponents": "Components uninstallation from " + strings.Join(names, ", "),
		}[action]
		if action == "uninstallAllComponents" {
			typ = "Infrastructure"
		}
		s := a.start(c, typ, name, "entity", entityArgs{Action: action, IDs: ids})
		return a.sessionReply(c, http.StatusOK, s)
	}
}

// applyEntities changes the entities when their session ends. Offline
// computers cannot be reached: the session fails naming them, while the
// online ones change.
func (a *API) applyEntities(raw json.RawMessage, end time.Time) (string, error) {
	var args entityArgs
	if err := json.Unmarshal(raw, &args); err != nil {
		return "", err
	}
	k := a.kinds[kDiscovered]
	var offline []string
	n := 0
	for _, id := range args.IDs {
		o := k.get(id)
		if o == nil {
			continue
		}
		if str(o.doc, "state") == "Offline" && args.Action != "rescan" {
			offline = append(offline, str(o.doc, "name"))
			continue
		}
		d := o.doc
		switch args.Action {
		case "installAgent":
			d["agentStatus"] = "Installed"
			d["agentVersion"] = agentVersion
		case "uninstallAgent":
			d["agentStatus"] = "NotInstalled"
			delete(d, "agentVersion")
		case "uninstallAllComponents":
			d["agentStatus"] = "NotInstalled"
			d["driverStatus"] = "NotInstalled"
			d["plugins"] = []any{}
			delete(d, "agentVersion")
			delete(d, "driverVersion")
		case "rescan":
			if str(d, "state") != "Offline" {
				d["lastConnected"] = formatTime(end.UTC())
			}
		}
		k.changed(o)
		n++
	}
	if len(offline) > 0 {
		return "", fmt.Errorf("Failed to process %s: the computer is offline.", strings.Join(offline, ", "))
	}
	return fmt.Sprintf("%d computer(s) processed successfully.", n), nil
}

// apply performs the change of a session that ended successfully and
// returns the log title; an error fails the session with that message.
func (a *API) apply(s *session) (string, error) {
	switch s.Op {
	case "repo.save", "sobr.save":
		dec := json.NewDecoder(bytes.NewReader(s.Args))
		dec.UseNumber()
		var d doc
		if err := dec.Decode(&d); err != nil {
			return "", err
		}
		k, what := a.kinds[kRepositories], "Repository"
		if s.Op == "sobr.save" {
			k, what = a.kinds[kScaleOut], "Scale-out backup repository"
		}
		for _, other := range []*kind{a.kinds[kRepositories], a.kinds[kScaleOut]} {
			if o := other.byName(str(d, "name")); o != nil && o.id != strings.ToLower(str(d, "id")) {
				return "", fmt.Errorf("%s %q already exists.", what, str(d, "name"))
			}
		}
		if s.Op == "sobr.save" {
			ext := a.extentOf()
			for _, e := range extents(d) {
				if a.kinds[kRepositories].get(str(e, "id")) == nil {
					return "", fmt.Errorf("Repository with ID %s was not found.", str(e, "id"))
				}
				if owner := ext[strings.ToLower(str(e, "id"))]; owner != nil && owner.id != strings.ToLower(str(d, "id")) {
					return "", fmt.Errorf("Repository %q is already an extent of %q.", str(e, "name"), str(owner.doc, "name"))
				}
			}
		}
		k.put(d)
		return fmt.Sprintf("%s %q has been saved.", what, str(d, "name")), nil
	case "repo.rescan":
		var ids []string
		_ = json.Unmarshal(s.Args, &ids)
		return fmt.Sprintf("Rescan of %d repositories has finished.", len(ids)), nil
	case "sobr.mode":
		return a.applyMode(s.Args)
	case "entity":
		return a.applyEntities(s.Args, s.Created.Add(s.Duration))
	case "obj.put", "obj.delete":
		return a.applyObject(s.Op, s.Args)
	case "mount.put":
		return a.applyMount(s.Args)
	case "generic":
		return s.Name + " has finished.", nil
	}
	return "", fmt.Errorf("unknown operation %q", s.Op)
}

// listProtectedComputers serves GET /api/v1/agents/protectedComputers
// (1.3 revisions): the discovered entities with an installed agent, one
// per computer name, each listing the protection groups that found it,
// shaped by the revision's ProtectedComputerModel, with the documented
// filters and paging.
func (a *API) listProtectedComputers(c *call) *reply {
	pi, _ := c.model.find(c.r.URL.Path)
	op := pi.ops[http.MethodGet]
	byName := map[string]map[string]any{}
	coll := &genColl{}
	for _, e := range a.kinds[kDiscovered].order {
		if str(e.doc, "agentStatus") != "Installed" {
			continue
		}
		pg := a.kinds[kProtectionGroups].get(str(e.doc, "protectionGroupId"))
		group := map[string]any{"id": str(e.doc, "protectionGroupId")}
		if pg != nil {
			group["name"] = str(pg.doc, "name")
			group["credentialsId"] = pgCredentials(pg.doc)
		}
		name := str(e.doc, "name")
		if d, ok := byName[name]; ok {
			d["protectionGroups"] = append(d["protectionGroups"].([]any), group)
			continue
		}
		d := map[string]any{"id": e.id, "name": name, "protectionGroups": []any{group}}
		byName[name] = d
		coll.items = append(coll.items, d)
	}
	item := c.model.itemSchema(op.schema)
	g := a.gen(c)
	g.sparse = true
	for i, d := range coll.items {
		if v, ok := g.value(item, "", d, 1).(map[string]any); ok {
			coll.items[i] = v
		}
	}
	return a.genList(c, op, coll)
}

// pgCredentials is the credentials id a protection group connects with
// (the first computer's), or "".
func pgCredentials(pg doc) string {
	for _, comp := range asList(pg["computers"]) {
		if m, ok := comp.(map[string]any); ok && str(m, "credentialsId") != "" {
			return str(m, "credentialsId")
		}
	}
	return str(pg, "credentialsId")
}
