package steps

// vbrJobStart is the vbr.job.start action.
func vbrJobStart() *Action {
	return objectAction{
		name:    "vbr.job.start",
		what:    "job",
		summary: "Start a job (optionally an active full) and await its session, with the result and log lines.",
		doc: `Starts a job of any type: POST /jobs/{id}/start with the vendor JobStartSpec (performActiveFull, default
false; startChainedJobs; syncRestorePoints for backup copy jobs). A job that already runs is skipped (the plan says
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
		props: map[string]any{
			"performActiveFull": prop("boolean", "Perform an active full backup (default false)."),
			"startChainedJobs":  prop("boolean", "Start the chained jobs as well."),
			"syncRestorePoints": prop("string", "Backup copy jobs: which restore points to copy (EBackupCopyRestorePoints)."),
		},
		body:        jobBody("performActiveFull", "startChainedJobs", "syncRestorePoints"),
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

// jobBody copies the given with keys into a request body;
// performActiveFull and gracefulStop, which the vendor requires, default
// to false and true.
func jobBody(keys ...string) func(with, job Doc) Doc {
	return func(with, _ Doc) Doc {
		out := Doc{}
		for _, k := range keys {
			if v, ok := with[k]; ok {
				out[k] = v
			}
		}
		for _, k := range keys {
			switch k {
			case "performActiveFull":
				if _, ok := out[k]; !ok {
					out[k] = false
				}
			case "gracefulStop":
				if _, ok := out[k]; !ok {
					out[k] = true
				}
			}
		}
		return out
	}
}
