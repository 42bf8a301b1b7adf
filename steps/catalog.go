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
			// The routine operations on jobs, hosts, protection groups and
			// secrets (h-import).
			vbrJobStart(),
			vbrJobStop(),
			vbrJobRetry(),
			vbrJobEnable(),
			vbrJobDisable(),
			vbrManagedServerRescan(),
			vbrProtectionGroupRescan(),
			vbrProtectionGroupEnable(),
			vbrProtectionGroupDisable(),
			vbrConfigBackupStart(),
			vbrCredentialChangePassword(),
			vbrEncryptionPasswordChangePassword(),
			vbrKMSServerChangeCertificate(),
			vbrSecurityAnalyzerStart(),
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
			// The data queries of every VBR collection (h-import).
			vbrCredentials(),
			vbrCloudCredentials(),
			vbrEncryptionPasswords(),
			vbrKMSServers(),
			vbrProxies(),
			vbrMountServers(),
			vbrJobs(),
			vbrJobStates(),
			vbrUnstructuredDataServers(),
			vbrEntraIDTenants(),
			vbrGlobalVMExclusions(),
			vbrADDomains(),
			vbrUsers(),
			vbrRoles(),
		},
	)
}
