package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vspc"
)

// vspcBackupAgentRestart is the vspc.backup_agent.restart action.
func vspcBackupAgentRestart() *Action {
	return &Action{
		Meta: Meta{
			Name:    "vspc.backup_agent.restart",
			API:     veeam.VSPC,
			Summary: "Restart Veeam backup agents through the Service Provider Console and wait until they are back.",
			Doc: `Restarts backup agents given by uid (instanceUid, one or a list) or selected by where, a field filter over the
agent list that is sent to the server as its filter JSON (e.g. {managementAgentStatus: Error}). The plan lists the
agents by name. Each restart is POST /infrastructure/backupAgents/{uid}/restart with a fresh X-Request-id (which
makes it idempotent on the server for 5 minutes; an unanswered request is repeated once with the same id). Await
model, per answer: 202 starts an async action, which is awaited to succeed (failed or canceled fail the step); 200
only queues the restart and returns nothing to poll, so the step watches GET /infrastructure/backupAgents/{uid} until
managementAgentStatus is Healthy and status is Active again, having seen it leave that state or after 3 s of it
holding, within the step's timeout (10 minutes when the step sets none). Classed disruptive: running agent jobs are
interrupted.`,
			Example: `steps:
  - id: restart_unhealthy
    action: vspc.backup_agent.restart
    target: vspc
    with:
      where: {managementAgentStatus: Error}
    timeout: 15m`,
			Schema: jsonSchema(anyOfRequired(schemaObject(map[string]any{
				"uid":   oneOrMany("Backup agent instanceUid or uids."),
				"where": whereProp("Select agents by their fields."),
			}), "uid", "where")),
		},
		Risk:  RiskDisruptive,
		Await: veeam.KindAsyncAction,
		Ops:   agentRestartOps{},
	}
}

type agentRestartOps struct{}

// selectAgents returns the agents the with block names.
func (agentRestartOps) selectAgents(ctx context.Context, cl *vspc.Client, with Doc) ([]Doc, error) {
	var out []Doc
	for _, uid := range stringList(with["uid"]) {
		d, err := cl.Get(ctx, pathVSPCBackupAgents+"/"+url.PathEscape(uid), nil)
		if err != nil {
			return nil, fmt.Errorf("get backup agent %s: %w", uid, err)
		}
		out = append(out, d)
	}
	if where, ok := asMap(with["where"]); ok {
		items, err := listBackupAgents(ctx, cl, where)
		if err != nil {
			return nil, err
		}
		for _, d := range items {
			if matchWhere(d, where) {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// listBackupAgents lists agents with where pushed down as the VSPC filter.
func listBackupAgents(ctx context.Context, cl *vspc.Client, where Doc) ([]Doc, error) {
	q := url.Values{}
	if f, err := vspcFilter(where); err != nil {
		return nil, err
	} else if f != "" {
		q.Set("filter", f)
	}
	items, err := cl.List(ctx, pathVSPCBackupAgents, q)
	if err != nil {
		return nil, fmt.Errorf("list backup agents: %w", err)
	}
	return items, nil
}

func agentLabel(d Doc) string {
	if n := str(d, "name"); n != "" {
		return n
	}
	return str(d, "instanceUid")
}

func (o agentRestartOps) Preview(ctx context.Context, c *Conn, with Doc) (Preview, error) {
	cl, err := vspcOf(c)
	if err != nil {
		return Preview{}, err
	}
	agents, err := o.selectAgents(ctx, cl, with)
	if err != nil {
		return Preview{}, fmt.Errorf("restart backup agents: %w", err)
	}
	if len(agents) == 0 {
		return Preview{Skip: true, Reason: "no backup agent selected"}, nil
	}
	names := make([]string, len(agents))
	for i, a := range agents {
		names[i] = agentLabel(a)
	}
	return Preview{Summary: fmt.Sprintf("restart %d backup %s: %s", len(names), plural(len(names), "agent", "agents"), quoteList(names)), Items: names}, nil
}

func (o agentRestartOps) Run(ctx context.Context, c *Conn, env Env, with Doc) (Doc, error) {
	cl, err := vspcOf(c)
	if err != nil {
		return nil, err
	}
	var results []any
	resumed, ok, err := awaitResumed(ctx, c, env)
	if err != nil {
		return nil, fmt.Errorf("restart backup agents: %w", err)
	}
	if ok {
		results = append(results, resumed)
	}
	agents, err := o.selectAgents(ctx, cl, with)
	if err != nil {
		return nil, fmt.Errorf("restart backup agents: %w", err)
	}
	for _, a := range agents {
		uid := str(a, "instanceUid")
		final, err := startAndAwait(ctx, c, env, restartAgent(cl, uid))
		if err != nil {
			return nil, fmt.Errorf("restart backup agent %q: %w", agentLabel(a), err)
		}
		results = append(results, Doc{"instanceUid": uid, "name": agentLabel(a), "result": final})
	}
	return Doc{"agents": results}, nil
}

// restartAgent posts the restart. The X-Request-id makes the call
// idempotent on the server, so an unanswered request is sent once more
// with the same id: the server answers the first one's outcome.
func restartAgent(cl *vspc.Client, uid string) startFunc {
	return func(ctx context.Context) (asyncRef, Doc, error) {
		rid := vspc.NewRequestID()
		p := pathVSPCBackupAgents + "/" + url.PathEscape(uid) + "/restart"
		resp, err := cl.Post(ctx, p, nil, nil, rid)
		if errors.Is(err, veeam.ErrUncertain) {
			resp, err = cl.Post(ctx, p, nil, nil, rid)
		}
		if err != nil {
			return asyncRef{}, nil, err
		}
		if resp.Status == http.StatusAccepted {
			id := lastSegment(resp.Location)
			if id == "" || id == "." || id == "/" {
				return asyncRef{}, nil, fmt.Errorf("restart %s: 202 without a Location", uid)
			}
			return asyncRef{Kind: veeam.KindAsyncAction, ID: id, RequestID: rid}, nil, nil
		}
		// 200: queued only; watch the agent.
		return asyncRef{Kind: veeam.KindWatch, ID: uid, RequestID: rid}, nil, nil
	}
}

// Watch timing for a queued restart.
const (
	watchPollMin     = 100 * time.Millisecond
	watchPollMax     = 3 * time.Second
	watchSteadyGrace = 3 * time.Second
	watchDefaultMax  = 10 * time.Minute
)

// agentReady reports whether an agent is back: Healthy and Active.
func agentReady(d Doc) bool {
	return strings.EqualFold(str(d, "managementAgentStatus"), "Healthy") && strings.EqualFold(str(d, "status"), "Active")
}

// watchBackupAgent polls a backup agent after a queued restart until it is
// Healthy and Active, having seen it leave that state (or after it held
// for watchSteadyGrace, as a restart may complete between two polls).
func watchBackupAgent(ctx context.Context, c *Conn, env Env, uid string) (Doc, error) {
	cl, err := vspcOf(c)
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, watchDefaultMax)
		defer cancel()
	}
	start := time.Now()
	left := false
	delay := watchPollMin
	var last Doc
	for {
		d, err := cl.Get(ctx, pathVSPCBackupAgents+"/"+url.PathEscape(uid), nil)
		if err != nil {
			if ctx.Err() != nil {
				return nil, watchTimeout(uid, last, ctx.Err())
			}
			return nil, fmt.Errorf("watch backup agent %s: %w", uid, err)
		}
		last = d
		ready := agentReady(d)
		if !ready {
			left = true
		}
		done := ready && (left || time.Since(start) >= watchSteadyGrace)
		if env.Progress != nil {
			env.Progress(veeam.Progress{
				Kind: veeam.KindWatch, ID: uid, Name: agentLabel(d) + " restart",
				State: str(d, "managementAgentStatus") + "/" + str(d, "status"), Percent: -1, Done: done,
			})
		}
		if done {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return nil, watchTimeout(uid, last, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*3/2, watchPollMax)
	}
}

func watchTimeout(uid string, last Doc, cause error) error {
	state := "unknown"
	if last != nil {
		state = str(last, "managementAgentStatus") + "/" + str(last, "status")
	}
	if errors.Is(cause, context.DeadlineExceeded) {
		return fmt.Errorf("backup agent %s not back after restart (last %s): %w", uid, state, veeam.ErrAwaitTimeout)
	}
	return fmt.Errorf("backup agent %s restart: %w", uid, cause)
}
