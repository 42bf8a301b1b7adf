package steps

// vbrConfigBackupStart is the vbr.config_backup.start action.
func vbrConfigBackupStart() *Action {
	return objectAction{
		name:    "vbr.config_backup.start",
		what:    "configuration backup",
		summary: "Back up the VBR configuration database now and await the ConfigurationBackup session.",
		doc: `Runs the configuration backup job now: POST /configBackup/backup, with the settings of GET /configBackup
(repository, encryption, retention). The server answers with a ConfigurationBackup session, which is awaited.`,
		example: `steps:
  - id: config_backup
    action: vbr.config_backup.start
    target: vbr`,
		risk:        RiskMaintenance,
		operation:   "/api/v1/configBackup/backup",
		sessionType: "ConfigurationBackup",
	}.action()
}
