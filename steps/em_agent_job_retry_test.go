package steps

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/veeam"
)

// agentJobSeed is a simulator seed whose EM knows n failed agent jobs and
// as many successful ones.
func agentJobSeed(n int) []byte {
	var b strings.Builder
	b.WriteString("em:\n  backup_server: {Id: 8c88c6d6-931f-4044-8c0b-7a0c5f188b00, Name: vbr01, Port: 9392, Version: 13.0.1.1071}\n  agent_jobs:\n")
	for i := range 2 * n {
		result := "Failed"
		if i%2 == 1 {
			result = "Success"
		}
		fmt.Fprintf(&b, "    - {Id: %08x-0000-4000-8000-0000000a6e70, Name: job-%04d, Platform: AgentForLinux, LastResult: %s, LastRunUTC: 2026-11-22T22:00:00Z}\n", i, i, result)
	}
	return []byte(b.String())
}

// TestAgentJobRetryListsOncePerStep retries 40 failed jobs the way the
// engine runs a for_each step with parallel 10 (one run memo for the
// step): the job list is read once, not once per item, and each job costs
// its POST and the polls of its task only.
func TestAgentJobRetryListsOncePerStep(t *testing.T) {
	const jobs = 40
	s := startSim(t, sim.WithSeedYAML(agentJobSeed(jobs)))
	retry, _ := Builtin().Action("em.agent_job.retry")
	ctx := WithRunMemo(testCtx(t))
	s.srv.ResetRequests()
	sem := make(chan struct{}, 10)
	var wg sync.WaitGroup
	errs := make([]error, jobs)
	for i := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			_, errs[i] = retry.Ops.Run(ictx, s.em, s.env, Doc{"id": fmt.Sprintf("%08x-0000-4000-8000-0000000a6e70", 2*i)})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("job %d: %v", i, err)
		}
	}
	counts := map[string]int{}
	vendor := 0
	for _, r := range s.srv.Requests() {
		if r.API != "em" || strings.HasPrefix(r.Path, "/_sim") || strings.Contains(r.Path, "logonSessions") || strings.Contains(r.Path, "sessionMngr") {
			continue
		}
		counts[r.Method+" "+r.Template]++
		vendor++
	}
	if n := counts["GET /api/agents/jobs"]; n != 1 {
		t.Errorf("agent job list read %d times for %d items, want once: %v", n, jobs, counts)
	}
	t.Logf("%.2f requests per job: %v", float64(vendor)/jobs, counts)
	if per := float64(vendor) / jobs; per > 3 {
		t.Errorf("%.2f requests per job, want <= 3: %v", per, counts)
	}
}

// TestAgentJobRetryAwaitsRunningJob: a job someone else is retrying is
// listed as running (LastState Working), so the step reads its backup
// sessions and awaits the running one instead of POSTing a retry, though
// no journal entry names it.
func TestAgentJobRetryAwaitsRunningJob(t *testing.T) {
	t.Parallel()
	s := startSim(t, sim.WithSessionDuration(300*time.Millisecond))
	ctx := testCtx(t)
	const jobID = "4dc5d947-9c23-4e1b-976a-ee5911f6a996"
	if _, err := s.em.EM.StartAction(ctx, pathEMAgentJobs+"/"+jobID, "retry"); err != nil {
		t.Fatal(err)
	}
	s.srv.ResetRequests()
	res, err := emAgentJobRetry().Ops.Run(WithRunMemo(ctx), s.em, s.env, Doc{"id": jobID})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if w := s.writes("em"); len(w) > 0 {
		t.Errorf("run wrote %v while the job was running, want none", w)
	}
	jobs := asList(res["jobs"])
	if len(jobs) != 1 || !strings.Contains(str(jobs[0].(Doc), "message"), "re-attached") {
		t.Errorf("result = %v, want the running session awaited", res)
	}
}

// TestAgentJobRetryOncePerJobPerRun: two items of one step run naming the
// same failed job retry it once. The list read for the run still says the
// job failed and stopped when the second item comes; the second item
// must not trust it for a job this run has retried.
func TestAgentJobRetryOncePerJobPerRun(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	ctx := WithRunMemo(testCtx(t))
	const jobID = "4dc5d947-9c23-4e1b-976a-ee5911f6a996"
	s.srv.ResetRequests()
	var skipped []string
	for range 2 {
		res, err := emAgentJobRetry().Ops.Run(ctx, s.em, s.env, Doc{"id": jobID})
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		for _, v := range asList(res["skipped"]) {
			skipped = append(skipped, scalarString(v))
		}
	}
	if n := s.srv.RequestCounts("em")["POST /api/agents/jobs/{id}"]; n != 1 {
		t.Errorf("%d retries POSTed for one job named by two items, want 1", n)
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0], "retried by another item") {
		t.Errorf("skipped = %q, want the second item to say the job was retried by another", skipped)
	}
}

// TestAgentJobRetryActsOnPlanList: the apply of a plan acts on the job
// list the plan read (a reusable memo value) without listing again; jobs
// that changed since are sent one retry each, which the server refuses,
// and are then re-read, never retried blindly again: one that someone else
// retried meanwhile is awaited, one that has since succeeded is skipped.
func TestAgentJobRetryActsOnPlanList(t *testing.T) {
	t.Parallel()
	s := startSim(t, sim.WithSeedYAML(agentJobSeed(3)))
	ctx := testCtx(t)
	retry := emAgentJobRetry()
	id := func(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-0000000a6e70", i) }
	running, succeeded, failed := id(0), id(2), id(4)

	plan := NewRunMemo()
	pv, err := retry.Ops.Preview(WithMemo(ctx, plan), s.em, Doc{"id": []any{running, succeeded, failed}})
	if err != nil || len(pv.Items) != 3 {
		t.Fatalf("preview = %+v, %v; want three failed jobs", pv, err)
	}
	// Since the plan: another logon retries two of the jobs; one of the
	// retries ends (Success), the other still runs.
	done, err := s.em.EM.StartAction(ctx, pathEMAgentJobs+"/"+succeeded, "retry")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.em.EM.WatchTask(ctx, str(done, "TaskId"), veeam.AwaitOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.em.EM.StartAction(ctx, pathEMAgentJobs+"/"+running, "retry"); err != nil {
		t.Fatal(err)
	}

	s.srv.ResetRequests()
	res, err := retry.Ops.Run(WithMemo(ctx, plan.Reusable()), s.em, s.env, Doc{"id": []any{running, succeeded, failed}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	counts := s.srv.RequestCounts("em")
	if n := counts["GET /api/agents/jobs"]; n != 0 {
		t.Errorf("job list read %d times, want 0: the plan's list is reused", n)
	}
	if n := counts["POST /api/agents/jobs/{id}"]; n != 3 {
		t.Errorf("%d retries POSTed for 3 jobs, want one each: %v", n, counts)
	}
	var msgs []string
	for _, j := range asList(res["jobs"]) {
		msgs = append(msgs, str(j.(Doc), "name")+": "+str(j.(Doc), "message"))
	}
	skipped := asList(res["skipped"])
	if len(msgs) != 2 || !strings.Contains(strings.Join(msgs, "\n"), "re-attached") {
		t.Errorf("jobs = %q, want the running job awaited and the failed one retried", msgs)
	}
	if len(skipped) != 1 || !strings.Contains(scalarString(skipped[0]), "last result Success") {
		t.Errorf("skipped = %v, want the job that has since succeeded", skipped)
	}
}
