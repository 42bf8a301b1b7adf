package steps

// Builtin returns the catalogue of every entry vplay ships: the one place
// entries are listed (no init() registration). Each call builds fresh
// entries, so callers may not share state through them.
func Builtin() *Catalog {
	return NewCatalog(
		[]*Kind{
			vbrRepository(),
			vbrScaleOutRepository(),
			vbrRecoveryToken(),
			// Table-driven VBR kinds (vbr_table.go, vbr_settings.go).
			vbrCredential(),
			vbrCloudCredential(),
			vbrEncryptionPassword(),
			vbrKMSServer(),
			vbrManagedServer(),
			vbrProxy(),
			vbrProtectionGroup(),
			vbrJob(),
			vbrUnstructuredDataServer(),
			vbrEntraIDTenant(),
			vbrGlobalVMExclusion(),
			vbrADDomain(),
			vbrUser(),
			vbrRole(),
			vbrGeneralOptions(),
			vbrEmailSettings(),
			vbrNotifications(),
			vbrEventForwarding(),
			vbrStorageLatency(),
			vbrTrafficRules(),
			vbrConfigBackup(),
			vbrSecuritySettings(),
			vbrSecurityAnalyzerSchedule(),
		},
		[]*Action{
			vspcBackupAgentRestart(),
			emAgentJobRetry(),
			vbrRepositoryRescan(),
			vbrScaleOutEnableSealedMode(),
			vbrScaleOutDisableSealedMode(),
			vbrScaleOutEnableMaintenanceMode(),
			vbrScaleOutDisableMaintenanceMode(),
			vbrDiscoveredEntityRescan(),
			vbrDiscoveredEntityInstallAgent(),
			vbrDiscoveredEntityUninstallAgent(),
			vbrDiscoveredEntityUninstallAllComponents(),
			vbrDiscoveredEntityRemove(),
			vbrSessionStop(),
			vbrJobStart(), // minimal, for playbooks/estate.yaml (h-kinds)
			httpAction(),
			waitAction(),
			assertAction(),
			logAction(),
		},
		[]*Query{
			vbrManagedServers(),
			vbrRepositories(),
			vbrRepositoryStates(),
			vbrScaleOutRepositories(),
			vbrRecoveryTokens(),
			vbrProtectionGroups(),
			vbrDiscoveredEntities(),
			vbrProtectedComputers(),
			vbrSessions(),
			emAgentJobs(),
			vspcBackupAgents(),
		},
	)
}
