package steps

// logAction is the built-in log step; the engine runs it.
func logAction() *Action {
	return &Action{
		Meta: Meta{
			Name:    "log",
			Summary: "Print a message to the run output.",
			Doc: `Writes message (which may interpolate ${{ }} expressions; sensitive values stay masked) to the run output at
level (info by default). Run by the engine itself.`,
			Example: `steps:
  - id: done
    action: log
    with:
      message: "retried ${{ len(data.failed_jobs) }} jobs"
      level: info`,
			Schema: jsonSchema(schemaObject(map[string]any{
				"message": prop("string", "The message."),
				"level":   enumProp("Level (default info).", "debug", "info", "warn", "error"),
			}, "message")),
		},
		Risk:    RiskRead,
		Builtin: true,
	}
}
