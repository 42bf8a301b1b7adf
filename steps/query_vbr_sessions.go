package steps

// vbrSessions is the vbr.sessions query.
func vbrSessions() *Query {
	dt := func(doc string) map[string]any {
		return map[string]any{"type": "string", "format": "date-time", "description": doc}
	}
	list := func(doc string, values ...string) map[string]any {
		one := map[string]any{"type": "string", "enum": values}
		return map[string]any{"description": doc, "oneOf": []any{one, map[string]any{"type": "array", "items": one, "minItems": 1}}}
	}
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.sessions",
			Summary: "VBR sessions (jobs, infrastructure changes, rescans), filtered on the server.",
			Doc: `Lists GET /api/v1/sessions (SessionModel: id, name, sessionType, state, result.result, progressPercent,
creationTime, endTime, resourceId, ...). Every parameter is a server filter: type (typeFilter, one or a list),
state (stateFilter), result (resultFilter, one or a list), jobId (jobIdFilter), createdAfter / createdBefore /
endedAfter / endedBefore (RFC 3339) and name (nameFilter). A session has finished when state is Stopped.`,
			Example: `data:
  running_rescans:
    target: vbr
    query: vbr.sessions
    params: {type: AgentDiscovery, state: Working}`,
		},
		path: pathSessions,
		params: []vbrParam{
			nameParam,
			{"type", "typeFilter", map[string]any{"description": "Session type or types (ESessionType, e.g. Infrastructure, AgentDiscovery).",
				"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "minItems": 1}}}},
			{"state", "stateFilter", enumProp("Session state.", "Stopped", "Starting", "Stopping", "Working", "Pausing", "Resuming",
				"WaitingTape", "Idle", "Postprocessing", "WaitingRepository", "WaitingSlot", "ActionRequired")},
			{"result", "resultFilter", list("Session result or results.", "None", "Success", "Warning", "Failed")},
			{"jobId", "jobIdFilter", prop("string", "Job id.")},
			{"createdAfter", "createdAfterFilter", dt("Created after.")},
			{"createdBefore", "createdBeforeFilter", dt("Created before.")},
			{"endedAfter", "endedAfterFilter", dt("Ended after.")},
			{"endedBefore", "endedBeforeFilter", dt("Ended before.")},
		},
	}.query()
}
