package steps

// vbrJobStart is the vbr.job.start action.
func vbrJobStart() *Action {
	return objectAction{
		name:    "vbr.job.start",
		what:    "job",
		summary: "Start a job (optionally an active full) and await its session, with the result and log lines.",
		doc: `Starts a job of any type: POST /jobs/{id}/start with the vendor JobStartSpec (performActiveFull, default
false; startChainedJobs; syncRestorePoints for backup copy jobs, from 1.3-rev0). A job that already runs is skipped (the plan says
so), a disabled job fails the step. The job's state (running, disabled) is read from /jobs/states.`,
		example: `steps:
  - id: backup_now
    action: vbr.job.start
    target: vbr
    with:
      job: Linux fleet backup
      performActiveFull: false`,
		risk:       RiskMaintenance,
		collection: jobsPath, ref: "job", refDoc: jobRefDoc, operation: "start",
		vendorBody: true,
		fill:       map[string]fillValue{"performActiveFull": constFill("vplay sends false when it is left out.", false)},
		refine: map[string]map[string]any{
			"performActiveFull": {"description": "Perform an active full backup."},
			"startChainedJobs":  {"description": "Start the chained jobs as well."},
			"syncRestorePoints": {"description": "Backup copy jobs with immediate copy: which restore points to copy (from 1.3-rev0)."},
		},
		jobSessions: true,
		state:       jobState,
		refuse:      jobDisabledRefusal,
		skip: func(st Doc) string {
			if jobRunning(st) {
				return "the job is already running (" + str(st, "status") + ")"
			}
			return ""
		},
	}.action()
}
