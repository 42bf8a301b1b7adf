package steps

// vbrJobEnable is the vbr.job.enable action.
func vbrJobEnable() *Action {
	return jobToggle("vbr.job.enable", false,
		"Enable a disabled job, so its schedule runs again.",
		`Enables a job: POST /jobs/{id}/enable. A job that is already enabled is skipped (isDisabled false in the
job model).`)
}

// jobToggle builds vbr.job.enable (disable false) and vbr.job.disable.
func jobToggle(name string, disable bool, summary, doc string) *Action {
	op, verb := "enable", "enabled"
	if disable {
		op, verb = "disable", "disabled"
	}
	return objectAction{
		name: name, what: "job", summary: summary, doc: doc,
		example: `steps:
  - id: ` + op + `_job
    action: ` + name + `
    target: vbr
    with:
      job: Linux fleet backup`,
		risk:       RiskMaintenance,
		collection: jobsPath, ref: "job", refDoc: jobRefDoc, operation: op,
		skip: func(obj Doc) string {
			if boolOf(obj, "isDisabled") == disable {
				return "the job is already " + verb
			}
			return ""
		},
		done: func(obj Doc) bool { return boolOf(obj, "isDisabled") == disable },
	}.action()
}
