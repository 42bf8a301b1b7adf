package steps

import (
	"context"
	"fmt"
	"net/url"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// vbrDiscoveredEntities is the vbr.discovered_entities query.
func vbrDiscoveredEntities() *Query {
	return &Query{
		Meta: Meta{
			Name:    "vbr.discovered_entities",
			API:     veeam.VBR,
			Summary: "Computers, clusters and AD objects discovered by agent protection groups.",
			Doc: `Lists GET /api/v1/agents/protectionGroups/{id}/discoveredEntities for the protection group given by
protection_group (name or id), or for every protection group when it is omitted. Each item is the vendor
DiscoveredEntityModel (id, name, type, state, agentStatus, driverStatus, ipAddresses, agentVersion, ...) plus
protectionGroupName. name, state, agentStatus and driverStatus are pushed down as nameFilter, stateFilter,
agentStatusFilter and driverStatusFilter.`,
			Example: `data:
  no_agent:
    target: vbr
    query: vbr.discovered_entities
    params: {protection_group: Linux fleet, agentStatus: NotInstalled}`,
			Schema: jsonSchema(schemaObject(map[string]any{
				"protection_group": prop("string", "Protection group name or id; all groups when omitted."),
				"name":             prop("string", "Entity name or pattern (nameFilter)."),
				"state":            enumProp("Entity state.", "Unknown", "Online", "Offline"),
				"agentStatus": enumProp("Agent status.", "Installed", "NotInstalled", "UpgradeRequired", "Failed",
					"UnsupportedOperatingSystem", "Unknown", "NotInitialized"),
				"driverStatus": enumProp("CBT driver status.", "Unknown", "Installed", "NotInstalled", "Stopped", "Failed",
					"UpgradeAvailable", "InstalledRebootRequired", "NotInstalledRebootRequired"),
			})),
		},
		Fetch: fetchDiscoveredEntities,
	}
}

func fetchDiscoveredEntities(ctx context.Context, c *Conn, params Doc) ([]Doc, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	for field, filter := range map[string]string{"name": "nameFilter", "state": "stateFilter", "agentStatus": "agentStatusFilter", "driverStatus": "driverStatusFilter"} {
		if v := str(params, field); v != "" {
			q.Set(filter, v)
		}
	}
	return discoveredEntities(ctx, cl, str(params, "protection_group"), q)
}

// discoveredEntities lists the entities of one protection group (by name or
// id) or, with ref empty, of every group, adding protectionGroupName.
func discoveredEntities(ctx context.Context, cl *vbr.Client, ref string, q url.Values) ([]Doc, error) {
	var groups []Doc
	if ref != "" {
		pg, err := protectionGroup(ctx, cl, ref)
		if err != nil {
			return nil, err
		}
		groups = []Doc{pg}
	} else {
		var err error
		if groups, err = cl.List(ctx, pathProtectionGroups, nil); err != nil {
			return nil, fmt.Errorf("list protection groups: %w", err)
		}
	}
	out := []Doc{}
	for _, g := range groups {
		items, err := cl.List(ctx, discoveredEntitiesPath(scalarString(g["id"])), q)
		if err != nil {
			return nil, fmt.Errorf("list discovered entities of %q: %w", str(g, "name"), err)
		}
		for _, e := range items {
			e = jsondoc.CopyMap(e)
			e["protectionGroupName"] = str(g, "name")
			out = append(out, e)
		}
	}
	return out, nil
}
