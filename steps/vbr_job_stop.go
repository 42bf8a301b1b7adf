package steps

// vbrJobStop is the vbr.job.stop action.
func vbrJobStop() *Action {
	return objectAction{
		name:    "vbr.job.stop",
		what:    "job",
		summary: "Stop a running job (gracefully by default) and await its session until it has stopped.",
		doc: `Stops a running job: POST /jobs/{id}/stop with the vendor JobStopSpec (gracefulStop, default true: VBR
finishes the restore points of the machines being processed, spelled gracefullStop in 1.1-rev0; cancelChainedJobs,
from 1.3-rev0). The server answers with the job's
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
		vendorBody: true,
		// 1.1-rev0 spells the field gracefullStop.
		fill: map[string]fillValue{
			"gracefulStop":  constFill("vplay sends true when it is left out.", true),
			"gracefullStop": constFill("vplay sends true when it is left out (the 1.1-rev0 spelling of gracefulStop).", true),
		},
		refine: map[string]map[string]any{
			"gracefulStop":      {"description": "Finish the restore points being written."},
			"gracefullStop":     {"description": "Finish the restore points being written."},
			"cancelChainedJobs": {"description": "Cancel the chained jobs as well (from 1.3-rev0)."},
		},
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
