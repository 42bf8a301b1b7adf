package steps

import (
	"context"
	"fmt"
	"net/url"

	"github.com/vplay-dev/vplay/veeam"
)

// vspcBackupAgents is the vspc.backup_agents query.
func vspcBackupAgents() *Query {
	return &Query{
		Meta: Meta{
			Name:    "vspc.backup_agents",
			API:     veeam.VSPC,
			Summary: "Veeam backup agents managed by the Service Provider Console.",
			Doc: `Lists GET /api/v3/infrastructure/backupAgents (BackupAgent: instanceUid, name, status,
managementAgentStatus, agentPlatform, version, organizationUid, ...). The params name, status,
managementAgentStatus, agentPlatform and organizationUid, and any raw filter entries given in filter (VSPC filter
objects {property, operation, value}), are pushed down as the server's filter JSON.`,
			Example: `data:
  unhealthy:
    target: vspc
    query: vspc.backup_agents
    params: {managementAgentStatus: Error}`,
			Schema: jsonSchema(schemaObject(map[string]any{
				"name":                  prop("string", "Agent (computer) name."),
				"status":                enumProp("Agent status.", "Active", "NotRunning", "Unknown"),
				"managementAgentStatus": enumProp("Management agent status.", "Healthy", "Warning", "Error", "Inaccessible", "Installation", "Updating", "FailedToUpdate", "Restarting", "Applying", "Unknown"),
				"agentPlatform":         enumProp("Platform.", "Windows", "Linux", "Mac", "Unknown"),
				"organizationUid":       prop("string", "Organization uid."),
				"filter": listOf("Raw VSPC filter objects.", map[string]any{
					"type":     "object",
					"required": []any{"property", "operation", "value"},
					"properties": map[string]any{
						"property":  map[string]any{"type": "string"},
						"operation": map[string]any{"type": "string"},
						"collation": map[string]any{"type": "string"},
						"value":     map[string]any{},
					},
				}),
			})),
		},
		Fetch: fetchBackupAgents,
	}
}

func fetchBackupAgents(ctx context.Context, c *Conn, params Doc) ([]Doc, error) {
	cl, err := vspcOf(c)
	if err != nil {
		return nil, err
	}
	where := withoutKeys(params, "filter")
	q := url.Values{}
	f, err := vspcFilter(where)
	if err != nil {
		return nil, err
	}
	if raw := asList(params["filter"]); len(raw) > 0 {
		merged, err := mergeVSPCFilter(f, raw)
		if err != nil {
			return nil, err
		}
		f = merged
	}
	if f != "" {
		q.Set("filter", f)
	}
	items, err := cl.List(ctx, pathVSPCBackupAgents, q)
	if err != nil {
		return nil, fmt.Errorf("list backup agents: %w", err)
	}
	// Applied locally as well, for servers that ignore a filter property.
	out := filterDocs(items, func(d Doc) bool { return matchWhere(d, where) })
	if out == nil {
		out = []Doc{}
	}
	return out, nil
}
