package steps

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/sim"
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
	if per := float64(vendor) / jobs; per > 3 {
		t.Errorf("%.2f requests per job, want <= 3: %v", per, counts)
	}
}
