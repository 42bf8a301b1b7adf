package steps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/em"
)

// emAgentJobRetry is the em.agent_job.retry action.
func emAgentJobRetry() *Action {
	return &Action{
		Meta: Meta{
			Name:    "em.agent_job.retry",
			API:     veeam.EM,
			Summary: "Retry failed Veeam Agent backup jobs through Enterprise Manager and await each task.",
			Doc: `Retries agent backup jobs given by id (the bare guid, one or a list) and/or by name. The vendor allows a retry
only for a job whose last run finished Failed: that is the precondition, evaluated at plan time against live state,
so the plan reads "retry 2 failed agent jobs: A, B" and names the jobs it skips and why. Each retry is
POST /api/agents/jobs/{id}?action=retry, answered 202 with a Task that is awaited until Finished; a task that ends
with Success="false" fails the step with the server's message. The result lists each job with its task message.`,
			Example: `steps:
  - id: retry
    action: em.agent_job.retry
    target: em
    for_each: "${{ data.failed_jobs }}"
    with:
      id: "${{ each.id }}"
    continue_on_error: true`,
			Schema: jsonSchema(anyOfRequired(schemaObject(map[string]any{
				"id":   oneOrMany("Job id (bare guid) or ids."),
				"name": oneOrMany("Job name or names."),
			}), "id", "name")),
		},
		Risk:  RiskMaintenance,
		Await: veeam.KindTask,
		Ops:   agentJobRetryOps{},
	}
}

type agentJobRetryOps struct{}

// agentJobIndex is the agent job list of one target with lookups by id
// (lower case) and by name, built once per step run and shared by its
// iterations: the list is read-only, claimed is guarded by mu.
type agentJobIndex struct {
	jobs   []Doc
	byID   map[string][]int
	byName map[string][]int
	// stopped holds the jobs (id, lower case) the list says were not
	// running when it was read (LastState Stopped). A job it does not say
	// about is not in it.
	stopped map[string]bool

	mu sync.Mutex
	// claimed holds the jobs an iteration of this run has started (or is
	// about to start) a retry of, so no other iteration starts another.
	claimed map[string]bool
}

// claim records that the caller retries job id in this run; false when
// another iteration already did.
func (x *agentJobIndex) claim(id string) bool {
	id = strings.ToLower(id)
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.claimed[id] {
		return false
	}
	x.claimed[id] = true
	return true
}

// agentJobs returns the indexed agent job list of c, listed once per step
// run (or plan) under a run memo, however many iterations select from it.
func agentJobs(ctx context.Context, c *Conn, cl *em.Client) (*agentJobIndex, error) {
	return memoize(ctx, "em.agent_jobs "+c.Target, func(ctx context.Context) (*agentJobIndex, error) {
		jobs, err := listAgentJobs(ctx, cl)
		if err != nil {
			return nil, err
		}
		x := &agentJobIndex{jobs: jobs, byID: make(map[string][]int, len(jobs)), byName: make(map[string][]int, len(jobs)),
			stopped: map[string]bool{}, claimed: map[string]bool{}}
		for i, j := range jobs {
			id := strings.ToLower(scalarString(j["id"]))
			x.byID[id] = append(x.byID[id], i)
			x.byName[str(j, "name")] = append(x.byName[str(j, "name")], i)
			if strings.EqualFold(str(j, "LastState"), "Stopped") {
				x.stopped[id] = true
			}
		}
		return x, nil
	})
}

// selectJobs returns the jobs to retry and the others with the reason, in
// the order the server lists them.
func (agentJobRetryOps) selectJobs(ctx context.Context, c *Conn, with Doc) (retry []Doc, skipped []string, x *agentJobIndex, err error) {
	cl, err := emOf(c)
	if err != nil {
		return nil, nil, nil, err
	}
	x, err = agentJobs(ctx, c, cl)
	if err != nil {
		return nil, nil, nil, err
	}
	var hits []int
	var missing []string
	for _, id := range stringList(with["id"]) {
		ps, ok := x.byID[strings.ToLower(id)]
		if !ok {
			missing = append(missing, id)
		}
		hits = append(hits, ps...)
	}
	for _, n := range stringList(with["name"]) {
		ps, ok := x.byName[n]
		if !ok {
			missing = append(missing, n)
		}
		hits = append(hits, ps...)
	}
	if len(missing) > 0 {
		return nil, nil, nil, fmt.Errorf("agent jobs %s: %w", quoteList(missing), ErrNotFound)
	}
	slices.Sort(hits)
	for _, i := range slices.Compact(hits) {
		j := x.jobs[i]
		if r := scalarString(j["lastResult"]); !strings.EqualFold(r, "Failed") {
			skipped = append(skipped, fmt.Sprintf("%s (last result %s)", str(j, "name"), r))
			continue
		}
		retry = append(retry, j)
	}
	return retry, skipped, x, nil
}

func (o agentJobRetryOps) Preview(ctx context.Context, c *Conn, with Doc) (Preview, error) {
	retry, skipped, _, err := o.selectJobs(ctx, c, with)
	if err != nil {
		return Preview{}, fmt.Errorf("retry agent jobs: %w", err)
	}
	if len(retry) == 0 {
		return Preview{Skip: true, Reason: "no job whose last result is Failed: " + quoteList(skipped)}, nil
	}
	names := make([]string, len(retry))
	for i, j := range retry {
		names[i] = str(j, "name")
	}
	sum := fmt.Sprintf("retry %d failed agent %s: %s", len(names), plural(len(names), "job", "jobs"), quoteList(names))
	if len(skipped) > 0 {
		sum += "; skip " + quoteList(skipped)
	}
	return Preview{Summary: sum, Items: names}, nil
}

func (o agentJobRetryOps) Run(ctx context.Context, c *Conn, env Env, with Doc) (Doc, error) {
	cl, err := emOf(c)
	if err != nil {
		return nil, err
	}
	var results []any
	// A task journalled by an interrupted run is awaited first. EM shows
	// a task only to the logon session that started it, so after a
	// restart the server answers 404; the job's backup sessions, which
	// every logon sees, are then how this run re-attaches (below).
	r, journalled := resumeRef(env)
	if journalled {
		if doc, ok, err := awaitJournalled(ctx, c, env, r); err != nil {
			return nil, fmt.Errorf("retry agent jobs: %w", err)
		} else if ok {
			results = append(results, taskResult("", "", doc))
		}
	}
	retry, skipped, x, err := o.selectJobs(ctx, c, with)
	if err != nil {
		return nil, fmt.Errorf("retry agent jobs: %w", err)
	}
	for _, j := range retry {
		id, name := scalarString(j["id"]), str(j, "name")
		// Never POST a retry while the job runs (a retry started by an
		// earlier run or logon, by another iteration of this run, or by
		// someone else): await that run. The job list read for this run
		// says which jobs were not running; the job's backup sessions are
		// read only when it does not say so, when this item has journalled
		// work (re-attach), or when another iteration retried the job.
		claimed := x.claim(id)
		if journalled || !claimed || !x.stopped[strings.ToLower(id)] {
			if res, ok, err := awaitRunningJob(ctx, cl, env, id, name); err != nil {
				return nil, fmt.Errorf("retry agent job %q: %w", name, err)
			} else if ok {
				results = append(results, res)
				continue
			}
		}
		if !claimed {
			// Retried by another iteration of this run, and finished:
			// never a second retry of the same failure.
			skipped = append(skipped, name+" (retried by another item of this step)")
			continue
		}
		task, err := startAndAwait(ctx, c, env, func(ctx context.Context) (asyncRef, Doc, error) {
			t, err := cl.StartAction(ctx, pathEMAgentJobs+"/"+url.PathEscape(id), "retry")
			if err != nil {
				return asyncRef{}, nil, err
			}
			tid := str(t, "TaskId")
			if tid == "" {
				tid = lastSegment(str(t, "Href"))
			}
			return asyncRef{Kind: veeam.KindTask, ID: tid}, nil, nil
		})
		var lost *em.UnknownOutcomeError
		if errors.As(err, &lost) {
			// The logon expired while the task ran: follow the job's
			// backup session instead, which the new logon can see.
			res, ok, rerr := awaitRunningJob(ctx, cl, env, id, name)
			if rerr == nil && ok {
				results = append(results, res)
				continue
			}
		}
		if err != nil {
			return nil, fmt.Errorf("retry agent job %q: %w", name, err)
		}
		results = append(results, taskResult(id, name, task))
	}
	return Doc{"jobs": results, "skipped": skipped}, nil
}

// awaitRunningJob awaits the backup session of job id when the job is
// running, and reports ok with its result; ok is false when the job is not
// running.
func awaitRunningJob(ctx context.Context, cl *em.Client, env Env, id, name string) (Doc, bool, error) {
	running, err := cl.RunningJobSession(ctx, id)
	if err != nil || running == nil {
		return nil, false, err
	}
	sid := em.SessionID(running)
	if env.Logf != nil {
		env.Logf("agent job %q is already running (backup session %s): awaiting it instead of starting a retry", name, sid)
	}
	s, err := cl.AwaitJobSession(ctx, sid, awaitOptions(env))
	if err != nil {
		return nil, true, err
	}
	return Doc{"id": id, "name": name, "sessionId": sid, "state": s["State"], "success": true, "message": "re-attached to the running backup session (" + str(s, "Result") + ")"}, true, nil
}

// taskResult summarises a finished EM task for a step result.
func taskResult(id, name string, task Doc) Doc {
	out := Doc{"id": id, "name": name, "taskId": task["TaskId"], "state": task["State"]}
	if r, ok := asMap(task["Result"]); ok {
		out["success"] = r["Success"]
		out["message"] = emMessage(r["Message"])
	}
	return out
}

// emMessage reads an EM Message, a string in JSON or {"#text"|"Value": ...}
// when decoded from XML.
func emMessage(v any) string {
	if s := scalarString(v); s != "" {
		return s
	}
	if m, ok := asMap(v); ok {
		for _, k := range []string{"#text", "Value", "value", "Text"} {
			if s := scalarString(m[k]); s != "" {
				return s
			}
		}
	}
	return ""
}
