package vspcsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The provider's view besides backup agents: companies, sites, backup
// servers with their jobs and repositories, active alarms and /about, all
// derived from the seed (organizations and agents), and PATCH of a backup
// agent. Lists take limit/offset (section 3.4) and a filter of top-level
// properties (equals, notEquals, contains, in).

const (
	siteUID         = "e2f5a3b1-0c6d-4b7e-8f90-1a2b3c4d5e6f"
	backupServerUID = "8c88c6d6-931f-4044-8c0b-7a0c5f188b00"
)

func (a *api) infraRoutes() {
	anyUser := routeOpts{}
	a.route("GET /api/v3/about", anyUser, a.about)
	a.route("GET /api/v3/organizations/companies", anyUser, a.listOf(a.companies))
	a.route("GET /api/v3/organizations/companies/{uid}", anyUser, a.itemOf(a.companies, "Company"))
	a.route("GET /api/v3/infrastructure/sites", anyUser, a.listOf(a.sites))
	a.route("GET /api/v3/infrastructure/sites/{uid}", anyUser, a.itemOf(a.sites, "Site"))
	a.route("GET /api/v3/infrastructure/backupServers", anyUser, a.listOf(a.backupServers))
	a.route("GET /api/v3/infrastructure/backupServers/jobs", anyUser, a.listOf(a.jobs))
	a.route("GET /api/v3/infrastructure/backupServers/jobs/{uid}", anyUser, a.itemOf(a.jobs, "Job"))
	a.route("GET /api/v3/infrastructure/backupServers/repositories", anyUser, a.listOf(a.repositories))
	a.route("GET /api/v3/infrastructure/backupServers/{uid}", anyUser, a.itemOf(a.backupServers, "Backup server"))
	a.route("GET /api/v3/alarms/active", anyUser, a.listOf(a.alarms))
	a.route("PATCH /api/v3/infrastructure/backupAgents/{backupAgentUid}",
		routeOpts{roles: restartRoles, trackable: true, actionName: "PatchBackupAgent"}, a.patchAgent)
}

func (a *api) about(c *call) reply {
	return data(http.StatusOK, map[string]any{
		"installationId": "5f0a8c2e-7b1d-4e3f-9a6b-2c4d6e8f0a1b", "serverVersion": "9.1.0.29624",
		"installationDate": "2026-01-10T08:00:00Z", "actualVersion": "9.1", "apiVersion": "3.6.1",
	})
}

func (a *api) companies() []map[string]any {
	var out []map[string]any
	for _, o := range a.st.Organizations {
		if o.Type != "Company" {
			continue
		}
		out = append(out, map[string]any{
			"instanceUid": o.InstanceUID, "name": o.Name, "status": "Active", "resellerUid": nil,
			"subscriptionPlanUid": nil, "isAlarmDetectEnabled": true, "loginUrl": "https://vspc.tech.local:1280",
		})
	}
	return out
}

func (a *api) sites() []map[string]any {
	return []map[string]any{{"siteUid": siteUID, "siteName": "Cloud Connect Site 1", "description": "Default site",
		"cloudTenantsCount": 1, "maintenanceModeIsEnabled": false, "tenantManagementInCloudConnectIsEnabled": false}}
}

func (a *api) backupServers() []map[string]any {
	org := ""
	if cs := a.companies(); len(cs) > 0 {
		org, _ = cs[0]["instanceUid"].(string)
	}
	return []map[string]any{{"instanceUid": backupServerUID, "name": "vbr01.tech.local", "organizationUid": org,
		"locationUid": nil, "managementAgentUid": stableGUID("management-agent", backupServerUID),
		"version": "13.0.1.1071", "displayVersion": "13.0.1.1071", "installationUid": stableGUID("installation", backupServerUID),
		"backupServerRoleType": "Client", "status": "Healthy"}}
}

func (a *api) jobs() []map[string]any {
	var out []map[string]any
	for _, ag := range a.st.Agents {
		uid := stableGUID("job", ag.InstanceUID)
		out = append(out, map[string]any{"instanceUid": uid, "name": "Backup " + ag.Name, "backupServerUid": backupServerUID,
			"organizationUid": ag.OrganizationUID, "status": "Success", "type": "EndpointJob", "isEnabled": true,
			"lastRun": "2026-11-22T22:00:00Z", "lastEndTime": "2026-11-22T22:14:00Z"})
	}
	return out
}

func (a *api) repositories() []map[string]any {
	return []map[string]any{
		{"instanceUid": "88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec", "name": "Default Backup Repository", "backupServerUid": backupServerUID,
			"type": "WindowsLocal", "capacity": int64(536870912000), "freeSpace": int64(322122547200), "usedSpace": int64(214748364800),
			"isOutOfDate": false, "isImmutabilityEnabled": false},
		{"instanceUid": "4e2a20fc-487d-44ed-a5a8-8058c62bc3a0", "name": "Linux Backup Repository", "backupServerUid": backupServerUID,
			"type": "LinuxLocal", "capacity": int64(2199023255552), "freeSpace": int64(1649267441664), "usedSpace": int64(549755813888),
			"isOutOfDate": false, "isImmutabilityEnabled": true},
	}
}

func (a *api) alarms() []map[string]any {
	var out []map[string]any
	for _, ag := range a.st.Agents {
		if ag.Status == "Active" && ag.ManagementAgentStatus == "Healthy" {
			continue
		}
		out = append(out, map[string]any{"instanceUid": stableGUID("alarm", ag.InstanceUID),
			"alarmTemplateUid": "6a0f8f5b-2c1e-4d3f-8a9b-1c2d3e4f5a6b", "repeatCount": 1,
			"object": map[string]any{"instanceUid": ag.InstanceUID, "type": "BackupAgent", "objectName": ag.Name,
				"organizationUid": ag.OrganizationUID},
			"lastActivation": map[string]any{"status": "Error", "message": fmt.Sprintf("Backup agent %s is %s.", ag.Name, ag.ManagementAgentStatus),
				"time": "2026-11-22T22:00:00Z"}})
	}
	if out == nil {
		out = []map[string]any{}
	}
	return out
}

// listOf pages and filters a derived list.
func (a *api) listOf(items func() []map[string]any) func(*call) reply {
	return func(c *call) reply {
		all := items()
		limit, offset := 100, 0
		if s, ok := first(c.q, "limit", "$limit"); ok {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 500 {
				return paramReply(&paramError{"limit", "the limit must be an integer from 1 to 500"})
			}
			limit = n
		}
		if s, ok := first(c.q, "offset", "$offset"); ok {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return paramReply(&paramError{"offset", "the offset must be a non-negative integer"})
			}
			offset = n
		}
		if f := c.q["filter"]; f != "" {
			var conds []struct {
				Property  string `json:"property"`
				Operation string `json:"operation"`
				Value     any    `json:"value"`
			}
			if err := json.Unmarshal([]byte(f), &conds); err != nil {
				return paramReply(&paramError{"filter", "the filter must be a JSON array of conditions"})
			}
			kept := make([]map[string]any, 0, len(all))
			for _, it := range all {
				match := true
				for _, cd := range conds {
					match = match && holds(it[cd.Property], strings.ToLower(cd.Operation), cd.Value)
				}
				if match {
					kept = append(kept, it)
				}
			}
			all = kept
		}
		total := len(all)
		lo := min(offset, total)
		rows := all[lo:min(total, lo+limit)]
		if rows == nil {
			rows = []map[string]any{}
		}
		return list(rows, total, len(rows), offset)
	}
}

// holds evaluates one filter condition on a property value.
func holds(got any, op string, want any) bool {
	gs, ws := fmt.Sprint(got), fmt.Sprint(want)
	switch op {
	case "equals":
		return strings.EqualFold(gs, ws)
	case "notequals":
		return !strings.EqualFold(gs, ws)
	case "contains":
		return strings.Contains(strings.ToLower(gs), strings.ToLower(ws))
	case "in":
		if l, ok := want.([]any); ok {
			for _, w := range l {
				if strings.EqualFold(gs, fmt.Sprint(w)) {
					return true
				}
			}
		}
		return false
	}
	return true
}

// itemOf answers one object of a derived list by its uid.
func (a *api) itemOf(items func() []map[string]any, what string) func(*call) reply {
	return func(c *call) reply {
		uid := c.r.PathValue("uid")
		for _, it := range items() {
			for _, k := range []string{"instanceUid", "siteUid"} {
				if s, _ := it[k].(string); s != "" && strings.EqualFold(s, uid) {
					return data(http.StatusOK, it)
				}
			}
		}
		return errReply(http.StatusNotFound, "logical", fmt.Sprintf("%s %s was not found.", what, uid))
	}
}

// patchable are the BackupAgent fields a JSON Patch may replace.
var patchable = map[string]func(*agent) *string{
	"/managementMode": func(ag *agent) *string { return &ag.ManagementMode },
	"/guiMode":        func(ag *agent) *string { return &ag.GUIMode },
	"/operationMode":  func(ag *agent) *string { return &ag.OperationMode },
}

// patchAgent applies a JSON Patch (replace operations on managementMode,
// guiMode, operationMode) and answers the agent; a bad operation is a 400
// naming it in failedJsonPatch.
func (a *api) patchAgent(c *call) reply {
	ag, rep, ok := a.pathAgent(c)
	if !ok {
		return rep
	}
	var ops []struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value any    `json:"value"`
	}
	if err := json.Unmarshal(c.body, &ops); err != nil || len(ops) == 0 {
		return errReply(http.StatusBadRequest, "logical", "The request body must be a JSON Patch document (an array of operations).")
	}
	next := *ag
	for _, op := range ops {
		field, known := patchable[op.Path]
		v, isStr := op.Value.(string)
		name := strings.TrimPrefix(op.Path, "/")
		if op.Op != "replace" || !known || !isStr || !contains(enums[name], v) {
			r := errReply(http.StatusBadRequest, "logical", fmt.Sprintf("Cannot apply the patch operation %s %s.", op.Op, op.Path))
			r.body.(envelope).Errors[0].FailedJSONPatch = &failedPatch{Op: op.Op, Path: op.Path, Value: op.Value}
			return r
		}
		*field(&next) = v
	}
	*ag = next
	c.changed = true
	return data(http.StatusOK, ag)
}
