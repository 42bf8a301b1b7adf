package steps

// vbrJobDisable is the vbr.job.disable action.
func vbrJobDisable() *Action {
	return jobToggle("vbr.job.disable", true,
		"Disable a job: its schedule stops starting it until it is enabled again.",
		`Disables a job: POST /jobs/{id}/disable. A running job keeps running; only its schedule stops. A job that
is already disabled is skipped (isDisabled true in the job model).`)
}
