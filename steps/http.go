package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vspc"
)

// httpAction is the generic http action: any method and path on a target.
func httpAction() *Action {
	return &Action{
		Meta: Meta{
			Name:    "http",
			API:     "",
			Summary: "Call any vendor endpoint of a target and await what it starts.",
			Doc: `Sends one request to the step's target (any of vbr, em, vspc) through its authenticated client: method,
path (the full vendor path, e.g. /api/v1/backupInfrastructure/managedServers), query (a map; a list value repeats the
parameter) and body (JSON). await says what the answer starts and is waited for: session (a VBR SessionModel
answer, by its id), task (an EM Task, by TaskId), async_action (a VSPC 202, by its Location) or none (default). The
result is {status, body, location, final} where final is the awaited session, task or action. A non-2xx answer fails
the step with the server's message. Because the call is arbitrary, the step is classed disruptive; the plan shows
the method and path without calling anything.`,
			Example: `steps:
  - id: rescan_group
    action: http
    target: vbr
    with:
      method: POST
      path: /api/v1/agents/protectionGroups/2f6c3d1e-9a7b-4c55-8e0f-6a1b2c3d4e5f/rescan
      await: session`,
			Schema: jsonSchema(schemaObject(map[string]any{
				"method": enumProp("HTTP method.", "GET", "POST", "PUT", "PATCH", "DELETE"),
				"path":   map[string]any{"type": "string", "pattern": "^/", "description": "Full vendor path, starting with /."},
				"query":  map[string]any{"type": "object", "description": "Query parameters.", "additionalProperties": map[string]any{"type": []any{"string", "number", "boolean", "array"}}},
				"body":   map[string]any{"description": "JSON request body."},
				"await":  enumProp("What the answer starts (default none).", "session", "task", "async_action", "none"),
			}, "method", "path")),
		},
		Risk:  RiskDisruptive,
		Await: "",
		Ops:   httpOps{},
	}
}

type httpOps struct{}

func (httpOps) Preview(ctx context.Context, c *Conn, with Doc) (Preview, error) {
	line := strings.ToUpper(str(with, "method")) + " " + str(with, "path")
	if a := str(with, "await"); a != "" && a != "none" {
		line += " (await " + a + ")"
	}
	target := ""
	if c != nil {
		target = c.Target + ": "
	}
	return Preview{Summary: target + line, Items: []string{line}}, nil
}

func httpQuery(with Doc) url.Values {
	q := url.Values{}
	qm, _ := asMap(with["query"])
	for k, v := range qm {
		if l := asList(v); l != nil {
			for _, e := range l {
				q.Add(k, scalarString(e))
			}
			continue
		}
		q.Set(k, scalarString(v))
	}
	return q
}

func (httpOps) Run(ctx context.Context, c *Conn, env Env, with Doc) (Doc, error) {
	if c == nil {
		return nil, fmt.Errorf("http: no target")
	}
	method := strings.ToUpper(str(with, "method"))
	p := str(with, "path")
	q := httpQuery(with)
	body := with["body"]
	awaitKind := str(with, "await")
	var resp *veeam.Response
	out := Doc{}
	final, err := runAsync(ctx, c, env, func(ctx context.Context) (asyncRef, Doc, error) {
		var err error
		var rid string
		switch {
		case c.VBR != nil:
			resp, err = c.VBR.Do(ctx, method, p, q, body)
		case c.EM != nil:
			resp, err = c.EM.Do(ctx, method, p, q, body)
		case c.VSPC != nil && method == http.MethodPost:
			rid = vspc.NewRequestID()
			resp, err = c.VSPC.Post(ctx, p, q, body, rid)
		case c.VSPC != nil:
			resp, err = c.VSPC.Do(ctx, method, p, q, body)
		default:
			return asyncRef{}, nil, fmt.Errorf("target %q has no client", c.Target)
		}
		if err != nil {
			return asyncRef{}, nil, err
		}
		switch awaitKind {
		case "session":
			r, err := sessionRef(resp)
			return r, nil, err
		case "task":
			id := str(resp.Doc, "TaskId")
			if id == "" {
				return asyncRef{}, nil, fmt.Errorf("answer %d has no TaskId", resp.Status)
			}
			return asyncRef{Kind: veeam.KindTask, ID: id}, nil, nil
		case "async_action":
			if resp.Status != http.StatusAccepted || resp.Location == "" {
				// Finished synchronously: nothing to await.
				return asyncRef{}, nil, nil
			}
			return asyncRef{Kind: veeam.KindAsyncAction, ID: lastSegment(resp.Location), RequestID: rid}, nil, nil
		}
		return asyncRef{}, nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("http %s %s: %w", method, p, err)
	}
	if resp != nil {
		out["status"] = resp.Status
		out["body"] = resp.Doc
		out["location"] = resp.Location
	}
	if final != nil {
		out["final"] = final
	}
	return out, nil
}
