package vbrsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

var scaleOutColumns = map[string]column{
	"Name":            func(o *obj) any { return str(o.doc, "name") },
	"Description":     func(o *obj) any { return str(o.doc, "description") },
	"Type":            func(o *obj) any { return "ExtendableRepository" },
	"Host":            func(o *obj) any { return "" },
	"Path":            func(o *obj) any { return "" },
	"EncryptionState": func(o *obj) any { return "" },
}

func (a *API) listScaleOut(c *call) *reply {
	p, bad := listQuery(c, scaleOutColumns)
	if bad != nil {
		return bad
	}
	return a.listResult(c, a.kinds[kScaleOut], p, scaleOutColumns, nil)
}

func (a *API) getScaleOut(c *call) *reply {
	return a.getObject(c, kScaleOut, "Scale-out backup repository", c.vars["id"])
}

// prepareScaleOut validates a ScaleOutRepositorySpec or Model and returns
// the model to store: every extent is an existing repository not used by
// another scale-out repository; extent names and status are filled by the
// server (status kept from the current object on edit).
func (a *API) prepareScaleOut(c *call, model bool, current *obj) (doc, *reply) {
	v, bad := decodeBody(c)
	if bad != nil {
		return nil, bad
	}
	if bad := validate(scaleOutSchema(model), v); bad != nil {
		return nil, bad
	}
	d := normalize(v).(map[string]any)
	ext := a.extentOf()
	old := map[string]any{}
	if current != nil {
		for _, e := range extents(current.doc) {
			old[strings.ToLower(str(e, "id"))] = e["status"]
		}
	}
	var list []any
	seen := map[string]bool{}
	for _, e := range extents(d) {
		repo := a.kinds[kRepositories].get(str(e, "id"))
		if repo == nil {
			return nil, badRequest(fmt.Sprintf("Repository with ID %s was not found.", str(e, "id")))
		}
		if seen[repo.id] {
			return nil, badRequest(fmt.Sprintf("Repository %q is listed twice as an extent.", str(repo.doc, "name")))
		}
		seen[repo.id] = true
		if owner := ext[repo.id]; owner != nil && (current == nil || owner.id != current.id) {
			return nil, badRequest(fmt.Sprintf("Repository %q is already an extent of scale-out backup repository %q.",
				str(repo.doc, "name"), str(owner.doc, "name")))
		}
		status := old[repo.id]
		if status == nil {
			status = []any{"Normal"}
		}
		list = append(list, map[string]any{"id": repo.id, "name": str(repo.doc, "name"), "status": status})
	}
	if len(list) == 0 {
		return nil, badRequest("A scale-out backup repository needs at least one performance extent.")
	}
	pt := sub(d, "performanceTier")
	pt["performanceExtents"] = list
	return a.withDefaults(c, d, scaleOutPath), nil
}

func (a *API) createScaleOut(c *call) *reply {
	d, bad := a.prepareScaleOut(c, false, nil)
	if bad != nil {
		return bad
	}
	if a.nameTaken(str(d, "name"), "") {
		return badRequest(fmt.Sprintf("Scale-out backup repository %q already exists.", str(d, "name")))
	}
	id := a.newID()
	d["id"] = id
	if str(d, "uniqueId") == "" {
		d["uniqueId"] = strings.ReplaceAll(id, "-", "")
	}
	s := a.start(c, "Infrastructure", "Infrastructure Item Saving", "sobr.save", d)
	return a.sessionReply(c, http.StatusCreated, s)
}

func (a *API) editScaleOut(c *call) *reply {
	id := c.vars["id"]
	o := a.kinds[kScaleOut].get(id)
	if o == nil {
		return notFound("Scale-out backup repository", id)
	}
	d, bad := a.prepareScaleOut(c, true, o)
	if bad != nil {
		return bad
	}
	if !strings.EqualFold(str(d, "id"), o.id) {
		return badRequest(fmt.Sprintf("The ID in the body (%s) does not match the ID in the path (%s).", str(d, "id"), id))
	}
	if a.nameTaken(str(d, "name"), o.id) {
		return badRequest(fmt.Sprintf("Scale-out backup repository %q already exists.", str(d, "name")))
	}
	d["id"] = o.id
	if str(d, "uniqueId") == "" {
		d["uniqueId"] = o.doc["uniqueId"]
	}
	s := a.start(c, "Infrastructure", "Infrastructure Item Saving", "sobr.save", d)
	return a.sessionReply(c, http.StatusCreated, s)
}

func (a *API) deleteScaleOut(c *call) *reply {
	id := c.vars["id"]
	o := a.kinds[kScaleOut].get(id)
	if o == nil {
		return notFound("Scale-out backup repository", id)
	}
	a.kinds[kScaleOut].remove(o.id)
	c.changed = true
	return &reply{status: http.StatusNoContent}
}

// modeArgs is the effect of a sealed or maintenance mode change.
type modeArgs struct {
	ScaleOutID string   `json:"scaleOutId"`
	IDs        []string `json:"repositoryIds"`
	Mode       string   `json:"mode"`
	Enable     bool     `json:"enable"`
}

// extentMode serves enable/disable Sealed/Maintenance mode: a
// RepositoryMaintenance session after which the extents' status shows the
// mode. An unknown scale-out repository or extent is a 400 here (the
// vendor documents no 404 for these operations).
func (a *API) extentMode(mode string, enable bool) func(*call) *reply {
	return func(c *call) *reply {
		o := a.kinds[kScaleOut].get(c.vars["id"])
		if o == nil {
			return badRequest(fmt.Sprintf("Scale-out backup repository with ID %s was not found.", c.vars["id"]))
		}
		v, bad := decodeBody(c)
		if bad != nil {
			return bad
		}
		if bad := validate(idsSpec("repositoryIds"), v); bad != nil {
			return bad
		}
		ids := strs(v.(map[string]any), "repositoryIds")
		have := map[string]bool{}
		for _, e := range extents(o.doc) {
			have[strings.ToLower(str(e, "id"))] = true
		}
		for i, id := range ids {
			if !have[strings.ToLower(id)] {
				return badRequest(fmt.Sprintf("Repository with ID %s is not an extent of scale-out backup repository %q.", id, str(o.doc, "name")))
			}
			ids[i] = strings.ToLower(id)
		}
		verb := "Enabling"
		if !enable {
			verb = "Disabling"
		}
		s := a.start(c, "RepositoryMaintenance", fmt.Sprintf("%s %s mode", verb, strings.ToLower(mode)),
			"sobr.mode", modeArgs{ScaleOutID: o.id, IDs: ids, Mode: mode, Enable: enable})
		return a.sessionReply(c, http.StatusCreated, s)
	}
}

// applyMode sets or clears a mode in the extents' status lists.
func (a *API) applyMode(raw json.RawMessage) (string, error) {
	var m modeArgs
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", err
	}
	o := a.kinds[kScaleOut].get(m.ScaleOutID)
	if o == nil {
		return "", fmt.Errorf("scale-out backup repository %s no longer exists", m.ScaleOutID)
	}
	for _, e := range extents(o.doc) {
		if !slices.Contains(m.IDs, strings.ToLower(str(e, "id"))) {
			continue
		}
		var status []string
		for _, s := range strs(e, "status") {
			if s != "Normal" && s != m.Mode {
				status = append(status, s)
			}
		}
		if m.Enable {
			status = append(status, m.Mode)
		}
		if len(status) == 0 {
			status = []string{"Normal"}
		}
		arr := make([]any, len(status))
		for i, s := range status {
			arr[i] = s
		}
		e["status"] = arr
	}
	a.kinds[kScaleOut].changed(o)
	state := "enabled"
	if !m.Enable {
		state = "disabled"
	}
	return fmt.Sprintf("%s mode has been %s for %d extent(s) of %q.", m.Mode, state, len(m.IDs), str(o.doc, "name")), nil
}
