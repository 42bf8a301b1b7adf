package steps

// vbrScaleOutEnableSealedMode is the vbr.scale_out_repository.enable_sealed_mode action.
func vbrScaleOutEnableSealedMode() *Action {
	return extentModeAction("vbr.scale_out_repository.enable_sealed_mode",
		extentMode{operation: "enableSealedMode", status: "Sealed", enable: true, verb: "enable sealed mode"},
		RiskMaintenance,
		"Seal extents of a scale-out repository (no new backups land on them).",
		`Puts extents of a scale-out repository in sealed mode: they keep their backups for restores and merges, but receive no new restore points, so they can be drained.`)
}
