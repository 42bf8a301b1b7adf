package steps

// vbrJobStates is the vbr.job_states query.
func vbrJobStates() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.job_states",
			Summary: "Job states: status, last result, last and next run, objects and repository of every job.",
			Doc: `Lists GET /api/v1/jobs/states (JobStateModel: id, name, type, status, lastResult, lastRun, nextRun, workload,
repositoryId, repositoryName, objectsCount, sessionId, ...). Every parameter is a server filter: name, type,
lastResult (one or a list), status, repositoryId, lastRunAfter, lastRunBefore.`,
			Example: `data:
  failed_jobs:
    target: vbr
    query: vbr.job_states
    params: {lastResult: Failed}`,
		},
		path: "/api/v1/jobs/states",
		params: []vbrParam{
			nameParam,
			typeParam("Job type or types."),
			{"lastResult", "lastResultFilter", oneOrManyEnum("Last result or results.", "None", "Success", "Warning", "Failed")},
			{"status", "statusFilter", prop("string", "Job status (Running, Inactive, Disabled, ...).")},
			{"repositoryId", "repositoryIdFilter", prop("string", "Id of the repository the job writes to.")},
			{"lastRunAfter", "lastRunAfterFilter", map[string]any{"type": "string", "format": "date-time", "description": "Last run after (RFC 3339)."}},
			{"lastRunBefore", "lastRunBeforeFilter", map[string]any{"type": "string", "format": "date-time", "description": "Last run before (RFC 3339)."}},
		},
	}.query()
}
