package steps

// durationPattern matches Go durations such as 30s, 5m or 1h30m.
const durationPattern = `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`

// waitAction is the built-in wait step; the engine runs it.
func waitAction() *Action {
	return &Action{
		Meta: Meta{
			Name:    "wait",
			Summary: "Poll a data query until an expression holds, with a timeout.",
			Doc: `Runs the data query (query, on target, with params) every interval (default 10s) until the bare expression
until holds, evaluated with the query's items as items (and the usual vars, data, resources, steps); fails when
timeout (default 10m) passes first. Nothing is written: the step is classed read. Run by the engine itself.`,
			Example: `steps:
  - id: wait_online
    action: wait
    with:
      target: vbr
      query: vbr.repository_states
      params: {name: repo-ams}
      until: 'len(items) > 0 && items[0].isOnline'
      timeout: 5m
      interval: 15s`,
			Schema: jsonSchema(schemaObject(map[string]any{
				"query":    map[string]any{"type": "string", "minLength": 1, "description": "Data query name, e.g. vbr.sessions."},
				"target":   map[string]any{"type": "string", "minLength": 1, "description": "Target the query runs on (default: the step's target)."},
				"params":   map[string]any{"type": "object", "description": "Query parameters."},
				"until":    map[string]any{"type": "string", "minLength": 1, "description": "Bare boolean expression over items."},
				"timeout":  map[string]any{"type": "string", "pattern": durationPattern, "description": "Give up after this long (default 10m)."},
				"interval": map[string]any{"type": "string", "pattern": durationPattern, "description": "Time between polls (default 10s)."},
			}, "query", "until")),
		},
		Risk:    RiskRead,
		Builtin: true,
	}
}
