package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// This file implements the vbr.discovered_entity.* actions: they select
// entities of one protection group by name or `where`, check a
// precondition per entity and send one vendor operation for the rest.

// entityOp is one discovered-entity operation.
type entityOp struct {
	operation string // rescan, installAgent, ...; "" for remove (DELETE per entity)
	verb      string // "install the agent on"
	// skip returns why an entity needs no work ("" = it does).
	skip func(e Doc) string
}

func entityActionSchema() map[string]any {
	return jsonSchema(anyOfRequired(schemaObject(map[string]any{
		"protectionGroup": map[string]any{"type": "string", "minLength": 1, "description": "Protection group name or id."},
		"entities": map[string]any{"type": "array", "minItems": 1, "description": "Discovered entities by name.",
			"items": map[string]any{"type": "string", "minLength": 1}},
		"where": whereProp("Select entities by their fields, e.g. {agentStatus: NotInstalled}; state, agentStatus and driverStatus are filtered by the server."),
	}, "protectionGroup"), "entities", "where"))
}

// entityAction builds the catalogue entry of one operation.
func entityAction(name string, op entityOp, risk Risk, await veeam.AsyncKind, summary, doc, example string) *Action {
	tail := `
The protection group is given by name (or id); entities by name (entities:) and/or by a field filter (where:), and
at least one of the two is required so that a step never touches a whole group by accident.`
	if op.operation != "" {
		tail += ` One POST starts an AgentDiscovery session for all selected entities, which is awaited; a Failed
session fails the step with the session's message and log lines.`
	}
	return &Action{
		Meta: Meta{
			Name:    name,
			API:     veeam.VBR,
			Summary: summary,
			Doc:     doc + tail,
			Example: example,
			Schema:  entityActionSchema(),
		},
		Risk:  risk,
		Await: await,
		Ops:   op,
	}
}

// entitySelection is what an entity operation will do.
type entitySelection struct {
	groupID, groupName string
	ids, names         []string
	skipped            []string
}

func (o entityOp) selectEntities(ctx context.Context, cl *vbr.Client, with Doc) (entitySelection, error) {
	pg, err := protectionGroup(ctx, cl, str(with, "protectionGroup"))
	if err != nil {
		return entitySelection{}, err
	}
	sel := entitySelection{groupID: scalarString(pg["id"]), groupName: str(pg, "name")}
	names := stringList(with["entities"])
	where, _ := asMap(with["where"])
	q := entityFilters(where)
	if len(names) == 1 && where == nil {
		q.Set("nameFilter", names[0])
	}
	items, err := cl.List(ctx, discoveredEntitiesPath(sel.groupID), q)
	if err != nil {
		return entitySelection{}, fmt.Errorf("list discovered entities of %q: %w", sel.groupName, err)
	}
	found := map[string]bool{}
	for _, e := range items {
		n := str(e, "name")
		if len(names) > 0 && !slices.Contains(names, n) {
			continue
		}
		if where != nil && !matchWhere(e, where) {
			continue
		}
		found[n] = true
		if o.skip != nil {
			if why := o.skip(e); why != "" {
				sel.skipped = append(sel.skipped, n+" ("+why+")")
				continue
			}
		}
		sel.ids = append(sel.ids, scalarString(e["id"]))
		sel.names = append(sel.names, n)
	}
	var missing []string
	for _, n := range names {
		if !found[n] && (where == nil) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return entitySelection{}, fmt.Errorf("entities %s in protection group %q: %w", quoteList(missing), sel.groupName, ErrNotFound)
	}
	return sel, nil
}

// entityFilters pushes the filters the discoveredEntities endpoint has down
// to the server.
func entityFilters(where Doc) url.Values {
	q := url.Values{}
	for field, param := range map[string]string{"state": "stateFilter", "agentStatus": "agentStatusFilter", "driverStatus": "driverStatusFilter"} {
		if v, ok := where[field].(string); ok {
			q.Set(param, v)
		}
	}
	return q
}

func discoveredEntitiesPath(groupID string) string {
	return pathProtectionGroups + "/" + url.PathEscape(groupID) + "/discoveredEntities"
}

func (o entityOp) Preview(ctx context.Context, c *Conn, with Doc) (Preview, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Preview{}, err
	}
	sel, err := o.selectEntities(ctx, cl, with)
	if err != nil {
		return Preview{}, fmt.Errorf("%s: %w", o.verb, err)
	}
	if len(sel.ids) == 0 {
		reason := "no entity selected"
		if len(sel.skipped) > 0 {
			reason = "nothing to do: " + quoteList(sel.skipped)
		}
		return Preview{Skip: true, Reason: reason}, nil
	}
	sum := fmt.Sprintf("%s %d %s of %s: %s", o.verb, len(sel.names), plural(len(sel.names), "entity", "entities"), sel.groupName, quoteList(sel.names))
	if len(sel.skipped) > 0 {
		sum += "; skip " + quoteList(sel.skipped)
	}
	return Preview{Summary: sum, Items: sel.names}, nil
}

func (o entityOp) Run(ctx context.Context, c *Conn, env Env, with Doc) (Doc, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	if o.operation != "" {
		if doc, ok, err := awaitResumed(ctx, c, env); ok || err != nil {
			return sessionResult(doc), err
		}
	}
	sel, err := o.selectEntities(ctx, cl, with)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.verb, err)
	}
	if len(sel.ids) == 0 {
		return Doc{"entities": []any{}, "skipped": sel.skipped}, nil
	}
	if o.operation == "" {
		return o.remove(ctx, cl, sel)
	}
	p := discoveredEntitiesPath(sel.groupID) + "/" + o.operation
	// The vendor examples show uninstallAllComponents as an
	// Infrastructure session, the other operations as AgentDiscovery.
	sessionType := "AgentDiscovery"
	if o.operation == "uninstallAllComponents" {
		sessionType = "Infrastructure"
	}
	s, err := startAndAwait(ctx, c, env, orRecover(c, sessionType,
		vbrSessionCall(cl, http.MethodPost, p, nil, Doc{"entityIds": sel.ids})))
	if err != nil {
		return nil, fmt.Errorf("%s %s of %q: %w", o.verb, quoteList(sel.names), sel.groupName, err)
	}
	out := sessionResult(s)
	out["entities"] = sel.names
	out["skipped"] = sel.skipped
	return out, nil
}

// remove deletes each entity (204, no session); a 404 means it is gone.
func (o entityOp) remove(ctx context.Context, cl *vbr.Client, sel entitySelection) (Doc, error) {
	var done []string
	for i, id := range sel.ids {
		_, err := cl.Delete(ctx, discoveredEntitiesPath(sel.groupID)+"/"+url.PathEscape(id), nil)
		if err != nil && !isNotFound(err) {
			return nil, fmt.Errorf("remove entity %q from %q: %w", sel.names[i], sel.groupName, err)
		}
		done = append(done, sel.names[i])
	}
	return Doc{"entities": done, "skipped": sel.skipped}, nil
}

// agentIs returns a skip function for entities whose agentStatus is one of
// statuses.
func agentIs(why string, statuses ...string) func(Doc) string {
	return func(e Doc) string {
		for _, s := range statuses {
			if strings.EqualFold(str(e, "agentStatus"), s) {
				return why
			}
		}
		return ""
	}
}
