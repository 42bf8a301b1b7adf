package steps

// vbrConfigBackup is the vbr.config_backup settings kind, built from its table row
// (vbr_settings.go).
func vbrConfigBackup() *Kind {
	return settingsKind(vbrSettings{
		meta: Meta{
			Name:    "vbr.config_backup",
			Summary: "The configuration backup: schedule, repository, restore points and encryption.",
			Doc: `The configuration backup settings (vendor ConfigBackupModel). One object per target (the resource name is free, "default" by convention; declaring it twice on a
target is an error): it is never created or deleted. A plan compares the declared fields only; apply reads the
whole document, merges the declared fields over it and replaces it (PUT), as the vendor requires. backupRepositoryId takes a repository id (an expression such as resources['vbr.repository']['NAME'].id); starting a configuration backup is an action.`,
			Example: `resources:
  - kind: vbr.config_backup
    target: vbr
    name: default
    spec:
      isEnabled: true
      restorePointsToKeep: 30`,
		},
		path: "/api/v1/configBackup",
	})
}
