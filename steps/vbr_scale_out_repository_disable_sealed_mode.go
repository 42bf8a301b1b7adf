package steps

// vbrScaleOutDisableSealedMode is the vbr.scale_out_repository.disable_sealed_mode action.
func vbrScaleOutDisableSealedMode() *Action {
	return extentModeAction("vbr.scale_out_repository.disable_sealed_mode",
		extentMode{operation: "disableSealedMode", status: "Sealed", enable: false, verb: "disable sealed mode"},
		RiskMaintenance,
		"Unseal extents of a scale-out repository.",
		`Takes extents of a scale-out repository out of sealed mode so they receive new restore points again.`)
}
