package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
with Success="false" fails the step with the server's message. The result lists each job with its task message.
The job list is read once per step run; an apply that follows its plan within a minute, in the same process, acts
on the list the plan read. A retry the server refuses (400, 409: the job changed since the list was read) is never
sent again: the job is re-read, a run in progress is awaited, and a job no longer Failed is skipped with its result.`,
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
// (lower case) and by name, built once per plan or step run and shared by
// its iterations, and by the apply of a plan moments later (a reusable
// memo value, see RunMemo.Reusable). It is read-only.
type agentJobIndex struct {
	jobs   []Doc
	byID   map[string][]int
	byName map[string][]int
	// stopped holds the jobs (id, lower case) the list says were not
	// running when it was read (LastState Stopped). A job it does not say
	// about is not in it.
	stopped map[string]bool
}

// jobClaims holds the jobs an iteration of one step run has started (or
// is about to start) a retry of, so no other iteration starts another.
type jobClaims struct {
	mu sync.Mutex
	m  map[string]bool
}

// claim records that the caller retries job id in this run; false when
// another iteration already did.
func (x *jobClaims) claim(id string) bool {
	id = strings.ToLower(id)
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.m[id] {
		return false
	}
	x.m[id] = true
	return true
}

// runClaims returns the claims of the step run in ctx (never reused by a
// later run).
func runClaims(ctx context.Context, c *Conn) *jobClaims {
	x, _ := memoize(ctx, "em.agent_jobs claims "+c.Target, func(context.Context) (*jobClaims, error) {
		return &jobClaims{m: map[string]bool{}}, nil
	})
	return x
}

// agentJobs returns the indexed agent job list of c, listed once per step
// run (or plan) under a run memo, however many iterations select from it;
// the apply of a plan may act on the plan's list (Run re-reads a job whose
// retry the server refuses).
func agentJobs(ctx context.Context, c *Conn, cl *em.Client) (*agentJobIndex, error) {
	return memoizeReusable(ctx, "em.agent_jobs "+c.Target, func(ctx context.Context) (*agentJobIndex, error) {
		jobs, err := listAgentJobs(ctx, cl)
		if err != nil {
			return nil, err
		}
		x := &agentJobIndex{jobs: jobs, byID: make(map[string][]int, len(jobs)), byName: make(map[string][]int, len(jobs)),
			stopped: map[string]bool{}}
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
	claims := runClaims(ctx, c)
	for _, j := range retry {
		id, name := scalarString(j["id"]), str(j, "name")
		// Never POST a retry while the job runs (a retry started by an
		// earlier run or logon, by another iteration of this run, or by
		// someone else): await that run. The job list read for this run
		// says which jobs were not running; the job's backup sessions are
		// read only when it does not say so, when this item has journalled
		// work (re-attach), or when another iteration retried the job.
		claimed := claims.claim(id)
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
		postRefused := false
		task, err := startAndAwait(ctx, c, env, func(ctx context.Context) (asyncRef, Doc, error) {
			t, err := cl.StartAction(ctx, pathEMAgentJobs+"/"+url.PathEscape(id), "retry")
			if err != nil {
				postRefused = refused(err)
				return asyncRef{}, nil, err
			}
			tid := str(t, "TaskId")
			if tid == "" {
				tid = lastSegment(str(t, "Href"))
			}
			return asyncRef{Kind: veeam.KindTask, ID: tid}, nil, nil
		})
		if postRefused {
			// Nothing started. The list this run acts on may be older than
			// the job (read by the plan, or another logon retried it
			// since): re-read the job, never send the retry again.
			res, skip, rerr := afterRefusal(ctx, cl, env, id, name)
			switch {
			case rerr != nil:
				return nil, fmt.Errorf("retry agent job %q: %w (re-reading the job: %v)", name, err, rerr)
			case res != nil:
				results = append(results, res)
				continue
			case skip != "":
				skipped = append(skipped, skip)
				continue
			}
		}
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

// refused reports whether the server answered a retry with a refusal that
// started nothing and may come from the job's state (400, 409).
func refused(err error) bool {
	return veeam.IsStatus(err, http.StatusBadRequest) || veeam.IsStatus(err, http.StatusConflict)
}

// afterRefusal re-reads job id after the server refused its retry: a run
// in progress (someone retried it) is awaited and its result returned; a
// job whose last result is no longer Failed is skipped, with the reason.
// Both nil when the job is still Failed and idle: the refusal has another
// cause, and the caller reports it.
func afterRefusal(ctx context.Context, cl *em.Client, env Env, id, name string) (res Doc, skip string, err error) {
	res, ok, err := awaitRunningJob(ctx, cl, env, id, name)
	if err != nil || ok {
		return res, "", err
	}
	d, err := cl.Get(ctx, pathEMAgentJobs+"/"+url.PathEscape(id), url.Values{"format": {"Entity"}})
	if err != nil {
		return nil, "", err
	}
	last := emLastResult(d)
	if last == "" {
		last, err = lastSessionResult(ctx, cl, id)
		if err != nil {
			return nil, "", err
		}
	}
	if strings.EqualFold(last, "Failed") {
		return nil, "", nil
	}
	return nil, fmt.Sprintf("%s (last result %s when the retry was sent; not retried)", name, last), nil
}

// lastSessionResult returns the result of job id's most recent backup
// session, "None" when it has none.
func lastSessionResult(ctx context.Context, cl *em.Client, id string) (string, error) {
	items, err := cl.List(ctx, pathEMAgentJobs+"/"+url.PathEscape(id)+"/backupSessions", url.Values{"format": {"Entity"}})
	if err != nil {
		return "", err
	}
	last, at := "None", ""
	for _, s := range items {
		if t := str(s, "CreationTimeUTC"); t >= at {
			last, at = str(s, "Result"), t
		}
	}
	return last, nil
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
