package steps

// vbrScaleOutEnableMaintenanceMode is the vbr.scale_out_repository.enable_maintenance_mode action.
func vbrScaleOutEnableMaintenanceMode() *Action {
	return extentModeAction("vbr.scale_out_repository.enable_maintenance_mode",
		extentMode{operation: "enableMaintenanceMode", status: "Maintenance", enable: true, verb: "enable maintenance mode"},
		RiskDisruptive,
		"Put extents of a scale-out repository in maintenance mode (jobs stop using them).",
		`Puts extents of a scale-out repository in maintenance mode: running tasks on them are stopped and no job reads or writes them until maintenance mode is disabled, which is why this action is classed disruptive.`)
}
