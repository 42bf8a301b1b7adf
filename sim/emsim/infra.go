package emsim

import (
	"fmt"
	"net/http"
	"strings"
)

// The backup infrastructure Enterprise Manager reports besides agent jobs:
// all jobs (/api/jobs), repositories, agent protection groups and the
// computers they discovered. Each collection answers EntityReferences
// (?format=Entity for the entities) and one item by bare guid or UID, in the
// shapes of the EM reference (section 2.3): Ref {UID, Name, Href, Type,
// Links}, entities with Href ?format=Entity and an Up link to the backup
// server.

// repository is a backup repository as Enterprise Manager reports it.
type repository struct {
	ID        string `json:"Id"`
	Name      string `json:"Name"`
	Kind      string `json:"Kind"`
	Capacity  int64  `json:"Capacity"`
	FreeSpace int64  `json:"FreeSpace"`
}

// protectionGroup is an agent protection group.
type protectionGroup struct {
	ID          string `json:"Id"`
	Name        string `json:"Name"`
	Description string `json:"Description"`
	Type        string `json:"Type"` // IndividualComputers, ADObjects, CSV, ...
	IsEnabled   bool   `json:"IsEnabled"`
}

// discoveredComputer is a computer an agent protection group discovered.
type discoveredComputer struct {
	ID                string `json:"Id"`
	Name              string `json:"Name"`
	ProtectionGroupID string `json:"ProtectionGroupId"`
	AgentStatus       string `json:"AgentStatus"` // Installed, NotInstalled
	OsType            string `json:"OsType"`      // Windows, Linux
	IPAddress         string `json:"IpAddress"`
}

// defaultInfra fills the collections a seed leaves out.
func (st *state) defaultInfra() {
	if st.Repositories == nil {
		st.Repositories = []*repository{
			{ID: "88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec", Name: "Default Backup Repository", Kind: "WinLocal", Capacity: 536870912000, FreeSpace: 322122547200},
			{ID: "4e2a20fc-487d-44ed-a5a8-8058c62bc3a0", Name: "Linux Backup Repository", Kind: "LinuxLocal", Capacity: 2199023255552, FreeSpace: 1649267441664},
		}
	}
	if st.ProtectionGroups == nil {
		st.ProtectionGroups = []*protectionGroup{
			{ID: "c2600b42-7c64-4219-a447-95bd33e70c1a", Name: "Windows Servers", Description: "Physical Windows servers", Type: "IndividualComputers", IsEnabled: true},
			{ID: "5b7f8e21-3c4d-4e5f-8a9b-0c1d2e3f4a5b", Name: "Linux Servers", Description: "Physical Linux servers", Type: "IndividualComputers", IsEnabled: true},
		}
	}
	if st.Computers == nil {
		st.Computers = []*discoveredComputer{
			{ID: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", Name: "win-sql01.lab.local", ProtectionGroupID: "c2600b42-7c64-4219-a447-95bd33e70c1a", AgentStatus: "Installed", OsType: "Windows", IPAddress: "10.0.0.21"},
			{ID: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", Name: "linux-web01.lab.local", ProtectionGroupID: "5b7f8e21-3c4d-4e5f-8a9b-0c1d2e3f4a5b", AgentStatus: "Installed", OsType: "Linux", IPAddress: "10.0.0.31"},
		}
	}
}

// infraRoutes adds the infrastructure collections.
func (a *api) infraRoutes() {
	a.route("GET /api/jobs", false, nil, a.collection("Job", "Jobs", a.jobItems))
	a.route("GET /api/jobs/{id}", false, nil, a.item("Job", a.jobItems))
	a.route("GET /api/repositories", false, nil, a.collection("Repository", "Repositories", a.repositoryItems))
	a.route("GET /api/repositories/{id}", false, nil, a.item("Repository", a.repositoryItems))
	a.route("GET /api/agents/protectionGroups", false, nil, a.collection("AgentProtectionGroup", "AgentProtectionGroups", a.groupItems))
	a.route("GET /api/agents/protectionGroups/{id}", false, nil, a.item("AgentProtectionGroup", a.groupItems))
	a.route("GET /api/agents/discoveredComputers", false, nil, a.collection("DiscoveredComputer", "DiscoveredComputers", a.computerItems))
	a.route("GET /api/agents/discoveredComputers/{id}", false, nil, a.item("DiscoveredComputer", a.computerItems))
}

// infraItem is one object of an infrastructure collection: its path, id,
// name and entity fields in vendor order.
type infraItem struct {
	path, id, name string
	fields         [][2]any
}

func (a *api) jobItems() []infraItem {
	out := make([]infraItem, 0, len(a.st.Jobs))
	for _, j := range a.st.Jobs {
		out = append(out, infraItem{path: "/api/jobs/", id: j.ID, name: j.Name, fields: [][2]any{
			{"JobType", "AgentBackup"}, {"Platform", j.Platform}, {"Description", j.Description},
			{"ScheduleConfigured", j.ScheduleConfigured}, {"ScheduleEnabled", j.ScheduleEnabled}, {"NextRun", j.NextRun},
		}})
	}
	return out
}

func (a *api) repositoryItems() []infraItem {
	out := make([]infraItem, 0, len(a.st.Repositories))
	for _, r := range a.st.Repositories {
		out = append(out, infraItem{path: "/api/repositories/", id: r.ID, name: r.Name, fields: [][2]any{
			{"Capacity", r.Capacity}, {"FreeSpace", r.FreeSpace}, {"Kind", r.Kind},
		}})
	}
	return out
}

func (a *api) groupItems() []infraItem {
	out := make([]infraItem, 0, len(a.st.ProtectionGroups))
	for _, g := range a.st.ProtectionGroups {
		out = append(out, infraItem{path: "/api/agents/protectionGroups/", id: g.ID, name: g.Name, fields: [][2]any{
			{"Description", g.Description}, {"ProtectionGroupType", g.Type}, {"IsEnabled", g.IsEnabled},
		}})
	}
	return out
}

func (a *api) computerItems() []infraItem {
	out := make([]infraItem, 0, len(a.st.Computers))
	for _, c := range a.st.Computers {
		out = append(out, infraItem{path: "/api/agents/discoveredComputers/", id: c.ID, name: c.Name, fields: [][2]any{
			{"ProtectionGroupUid", "urn:veeam:AgentProtectionGroup:" + c.ProtectionGroupID},
			{"AgentStatus", c.AgentStatus}, {"OsType", c.OsType}, {"IpAddress", c.IPAddress},
		}})
	}
	return out
}

func (a *api) infraRef(c *call, typ string, it infraItem) *node {
	href := c.base + it.path + it.id
	return elem("Ref", "UID", "urn:veeam:"+typ+":"+it.id, "Name", it.name, "Href", href, "Type", typ+"Reference").add(
		list("Links", a.serverUpLink(c), link("Alternate", typ, href+"?format=Entity", it.name)))
}

func (a *api) infraEntity(c *call, typ string, it infraItem) *node {
	href := c.base + it.path + it.id
	n := elem(typ, "Type", typ, "Href", href+"?format=Entity", "Name", it.name, "UID", "urn:veeam:"+typ+":"+it.id).add(
		list("Links", a.serverUpLink(c), link("Alternate", typ+"Reference", href, it.name)))
	for _, f := range it.fields {
		n.text(f[0].(string), f[1])
	}
	return n
}

// collection answers EntityReferences, or the entities with ?format=Entity.
func (a *api) collection(typ, plural string, items func() []infraItem) func(*call) reply {
	return func(c *call) reply {
		var kids []*node
		for _, it := range items() {
			if isEntity(c) {
				kids = append(kids, a.infraEntity(c, typ, it))
			} else {
				kids = append(kids, a.infraRef(c, typ, it))
			}
		}
		if isEntity(c) {
			return ok(http.StatusOK, elem(plural).add(inlineList(plural, kids...)))
		}
		return ok(http.StatusOK, elem("EntityReferences").add(inlineList("Refs", kids...)))
	}
}

// item answers one object by bare guid or UID.
func (a *api) item(typ string, items func() []infraItem) func(*call) reply {
	return func(c *call) reply {
		id := strings.TrimPrefix(c.r.PathValue("id"), "urn:veeam:"+typ+":")
		for _, it := range items() {
			if strings.EqualFold(it.id, id) {
				if isEntity(c) {
					return ok(http.StatusOK, a.infraEntity(c, typ, it))
				}
				r := a.infraRef(c, typ, it)
				r.name = "EntityRef"
				return ok(http.StatusOK, r)
			}
		}
		return errReply(http.StatusNotFound, fmt.Sprintf("%s %q was not found", typ, c.r.PathValue("id")))
	}
}
