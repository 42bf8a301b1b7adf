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
	return objectAction{
		name: name, what: "job", summary: summary, doc: doc,
		example: `steps:
  - id: ` + toggleOp(disable) + `_job
    action: ` + name + `
    target: vbr
    with:
      job: Linux fleet backup`,
		risk:       RiskMaintenance,
		collection: jobsPath, ref: "job", refDoc: jobRefDoc,
	}.toggle(disable).action()
}

// toggleOp is the vendor operation of an enable (disable false) or disable
// action.
func toggleOp(disable bool) string {
	if disable {
		return "disable"
	}
	return "enable"
}

// toggle makes a an enable (disable false) or disable action of objects
// with isDisabled: an object already in that state is skipped, and is
// recognised as done after a lost answer.
func (a objectAction) toggle(disable bool) objectAction {
	a.operation = toggleOp(disable)
	verb := a.operation + "d"
	a.skip = func(obj Doc) string {
		if boolOf(obj, "isDisabled") == disable {
			return "the " + a.what + " is already " + verb
		}
		return ""
	}
	a.done = func(obj Doc) bool { return boolOf(obj, "isDisabled") == disable }
	return a
}
