package steps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// vbrSessionStop is the vbr.session.stop action.
func vbrSessionStop() *Action {
	return &Action{
		Meta: Meta{
			Name:    "vbr.session.stop",
			API:     veeam.VBR,
			Summary: "Stop running VBR sessions (by id or by a field filter) and wait until they have stopped.",
			Doc: `Stops running sessions: by id (one or a list) or by where, a field filter over the sessions list (e.g.
{sessionType: AgentDiscovery, name: "Linux fleet"}; sessionType and state are filtered by the server). Sessions that
already stopped are skipped (the plan names them). Each stop is POST /sessions/{id}/stop; the step then polls each
session until its state is Stopped. A stopped session ends canceled, which is what was asked, so its Failed or
Warning result does not fail the step. Classed disruptive: the work the session was doing is interrupted.`,
			Example: `steps:
  - id: stop_rescans
    action: vbr.session.stop
    target: vbr
    with:
      where: {sessionType: AgentDiscovery}`,
			Schema: jsonSchema(anyOfRequired(schemaObject(map[string]any{
				"id":    oneOrMany("Session id or ids."),
				"where": whereProp("Select sessions by their fields."),
			}), "id", "where")),
		},
		Risk:  RiskDisruptive,
		Await: veeam.KindSession,
		Ops:   sessionStopOps{},
	}
}

type sessionStopOps struct{}

// selectSessions returns the running sessions the with block names and the
// names of those that already stopped.
func (sessionStopOps) selectSessions(ctx context.Context, cl *vbr.Client, with Doc) (running []Doc, stopped []string, err error) {
	var items []Doc
	for _, id := range stringList(with["id"]) {
		d, err := cl.Get(ctx, pathSessions+"/"+url.PathEscape(id), nil)
		if err != nil {
			return nil, nil, fmt.Errorf("get session %s: %w", id, err)
		}
		items = append(items, d)
	}
	if where, ok := asMap(with["where"]); ok {
		q := url.Values{}
		if v, ok := where["sessionType"].(string); ok {
			q.Set("typeFilter", v)
		}
		if v, ok := where["state"].(string); ok {
			q.Set("stateFilter", v)
		}
		all, err := cl.List(ctx, pathSessions, q)
		if err != nil {
			return nil, nil, fmt.Errorf("list sessions: %w", err)
		}
		for _, d := range all {
			if matchWhere(d, where) {
				items = append(items, d)
			}
		}
	}
	for _, d := range items {
		if strings.EqualFold(str(d, "state"), "Stopped") {
			stopped = append(stopped, sessionLabel(d))
			continue
		}
		running = append(running, d)
	}
	return running, stopped, nil
}

func sessionLabel(d Doc) string {
	if n := str(d, "name"); n != "" {
		return n + " (" + scalarString(d["id"]) + ")"
	}
	return scalarString(d["id"])
}

func (o sessionStopOps) Preview(ctx context.Context, c *Conn, with Doc) (Preview, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Preview{}, err
	}
	running, stopped, err := o.selectSessions(ctx, cl, with)
	if err != nil {
		return Preview{}, fmt.Errorf("stop sessions: %w", err)
	}
	if len(running) == 0 {
		reason := "no running session selected"
		if len(stopped) > 0 {
			reason += "; already stopped: " + quoteList(stopped)
		}
		return Preview{Skip: true, Reason: reason}, nil
	}
	var names []string
	for _, d := range running {
		names = append(names, sessionLabel(d))
	}
	return Preview{Summary: fmt.Sprintf("stop %d %s: %s", len(names), plural(len(names), "session", "sessions"), quoteList(names)), Items: names}, nil
}

func (o sessionStopOps) Run(ctx context.Context, c *Conn, env Env, with Doc) (Doc, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	running, stopped, err := o.selectSessions(ctx, cl, with)
	if err != nil {
		return nil, fmt.Errorf("stop sessions: %w", err)
	}
	var results []any
	for _, d := range running {
		id := scalarString(d["id"])
		if err := cl.StopSession(ctx, id); err != nil {
			return nil, fmt.Errorf("stop session %s: %w", sessionLabel(d), err)
		}
		r := asyncRef{Kind: veeam.KindSession, ID: id}
		track(env, r)
		final, err := awaitRef(ctx, c, env, r)
		var ae *veeam.AsyncError
		if errors.As(err, &ae) {
			// Stopped as asked: the canceled result is the expected end.
			final, err = cl.Get(ctx, pathSessions+"/"+url.PathEscape(id), nil)
		}
		if err != nil {
			return nil, fmt.Errorf("await stopped session %s: %w", sessionLabel(d), err)
		}
		results = append(results, sessionResult(final))
	}
	return Doc{"sessions": results, "skipped": stopped}, nil
}
