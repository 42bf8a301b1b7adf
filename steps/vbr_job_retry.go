package steps

import "strings"

// vbrJobRetry is the vbr.job.retry action.
func vbrJobRetry() *Action {
	return objectAction{
		name:    "vbr.job.retry",
		what:    "job",
		summary: "Retry a job whose last run failed or warned, for the failed objects only, and await its session.",
		doc: `Retries a job: POST /jobs/{id}/retry (defined from 1.3-rev0) with the vendor JobRetrySpec
(startChainedJobs); VBR processes again only the objects that failed in the last run. A job whose last result is
not Failed or Warning, or that is running, is skipped (the plan says why); a disabled job fails the step.`,
		example: `steps:
  - id: retry_failed
    action: vbr.job.retry
    target: vbr
    with:
      job: Linux fleet backup`,
		risk:       RiskMaintenance,
		collection: jobsPath, ref: "job", refDoc: jobRefDoc, operation: "retry",
		vendorBody:  true,
		refine:      map[string]map[string]any{"startChainedJobs": {"description": "Start the chained jobs as well."}},
		jobSessions: true,
		state:       jobState,
		refuse:      jobDisabledRefusal,
		skip: func(st Doc) string {
			if jobRunning(st) {
				return "the job is running (" + str(st, "status") + ")"
			}
			switch r := str(st, "lastResult"); {
			case strings.EqualFold(r, "Failed"), strings.EqualFold(r, "Warning"):
				return ""
			case r == "":
				return "the job has no last result to retry"
			default:
				return "the last result is " + r + ": nothing to retry"
			}
		},
	}.action()
}
