package steps

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/vplay-dev/vplay/veeam"
)

// vbrProtectedComputers is the vbr.protected_computers query.
func vbrProtectedComputers() *Query {
	return &Query{
		Meta: Meta{
			Name:    "vbr.protected_computers",
			API:     veeam.VBR,
			Summary: "Computers protected by Veeam agents.",
			Doc: `Lists GET /api/v1/agents/protectedComputers (id, name, type, protectionGroups), a path the vendor marks
deprecated. Where the server does not have it (404), the list is derived from the discovered entities of every
protection group whose agentStatus is Installed, merged by name: each item is {id, name, type: Computer,
protectionGroups: [group names], agentStatus, agentVersion, operatingSystem, ipAddresses}. name is pushed down as
nameFilter either way.`,
			Example: `data:
  protected:
    target: vbr
    query: vbr.protected_computers
    where: 'name endsWith ".tech.local"'`,
			Schema: jsonSchema(schemaObject(map[string]any{
				"name": nameParam.schema,
			})),
		},
		Fetch: fetchProtectedComputers,
	}
}

func fetchProtectedComputers(ctx context.Context, c *Conn, params Doc) ([]Doc, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	name := str(params, "name")
	if name != "" {
		q.Set("nameFilter", name)
	}
	exact := func(d Doc) bool { return name == "" || strings.Contains(name, "*") || str(d, "name") == name }
	items, err := cl.List(ctx, pathProtectedComps, q)
	if err == nil {
		return append([]Doc{}, filterDocs(items, exact)...), nil
	}
	if !isNotFound(err) {
		return nil, fmt.Errorf("list protected computers: %w", err)
	}
	q.Set("agentStatusFilter", "Installed")
	ents, err := discoveredEntities(ctx, cl, "", q)
	if err != nil {
		return nil, fmt.Errorf("derive protected computers: %w", err)
	}
	byName := map[string]Doc{}
	out := []Doc{}
	for _, e := range ents {
		if !strings.EqualFold(str(e, "agentStatus"), "Installed") || !exact(e) {
			continue
		}
		n := str(e, "name")
		if d, ok := byName[n]; ok {
			d["protectionGroups"] = append(asList(d["protectionGroups"]), e["protectionGroupName"])
			continue
		}
		d := Doc{
			"id": e["id"], "name": n, "type": "Computer",
			"protectionGroups": []any{e["protectionGroupName"]},
			"agentStatus":      e["agentStatus"], "agentVersion": e["agentVersion"],
			"operatingSystem": e["operatingSystem"], "ipAddresses": e["ipAddresses"],
		}
		byName[n] = d
		out = append(out, d)
	}
	return out, nil
}
