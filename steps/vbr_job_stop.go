package steps

// vbrJobStop is the vbr.job.stop action.
func vbrJobStop() *Action {
	return objectAction{
		name:    "vbr.job.stop",
		what:    "job",
		summary: "Stop a running job (gracefully by default) and await its session until it has stopped.",
		doc: `Stops a running job: POST /jobs/{id}/stop with the vendor JobStopSpec (gracefulStop, default true: VBR
finishes the restore points of the machines being processed; cancelChainedJobs). The server answers with the job's
session, which is awaited until it has stopped. A job that does not run is skipped. Classed disruptive: the job's
work is interrupted.`,
		example: `steps:
  - id: stop_backup
    action: vbr.job.stop
    target: vbr
    with:
      job: Linux fleet backup
      gracefulStop: true`,
		risk:       RiskDisruptive,
		collection: jobsPath, ref: "job", refDoc: jobRefDoc, operation: "stop",
		props: map[string]any{
			"gracefulStop":      prop("boolean", "Finish the restore points being written (default true)."),
			"cancelChainedJobs": prop("boolean", "Cancel the chained jobs as well."),
		},
		body:         jobBody("gracefulStop", "cancelChainedJobs"),
		jobSessions:  true,
		stopsRunning: true,
		state:        jobState,
		skip: func(st Doc) string {
			if !jobRunning(st) {
				return "the job is not running"
			}
			return ""
		},
	}.action()
}
