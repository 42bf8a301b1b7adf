package steps

// assertAction is the built-in assert step; the engine runs it.
func assertAction() *Action {
	return &Action{
		Meta: Meta{
			Name:    "assert",
			Summary: "Fail the run with a message when an expression is false.",
			Doc: `Evaluates the bare boolean expression that (with vars, data, resources, steps and each) and fails the step
with message when it is false. At plan time it is evaluated when its inputs are known. Run by the engine itself.`,
			Example: `steps:
  - id: enough_space
    action: assert
    with:
      that: 'all(data.states, .freeGB > 100)'
      message: a repository has less than 100 GB free`,
			Schema: jsonSchema(schemaObject(map[string]any{
				"that":    map[string]any{"type": "string", "minLength": 1, "description": "Bare boolean expression."},
				"message": prop("string", "Message of the failure."),
			}, "that")),
		},
		Risk:    RiskRead,
		Builtin: true,
	}
}
