package steps

// vbrScaleOutDisableMaintenanceMode is the vbr.scale_out_repository.disable_maintenance_mode action.
func vbrScaleOutDisableMaintenanceMode() *Action {
	return extentModeAction("vbr.scale_out_repository.disable_maintenance_mode",
		extentMode{operation: "disableMaintenanceMode", status: "Maintenance", enable: false, verb: "disable maintenance mode"},
		RiskMaintenance,
		"Return extents of a scale-out repository from maintenance mode.",
		`Takes extents of a scale-out repository out of maintenance mode so jobs use them again.`)
}
