package steps

// vbrJob is the vbr.job kind, built from its table row (vbr_table.go).
func vbrJob() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.job",
			Summary: "A backup, backup copy, replica or agent job, writing to a repository named by name.",
			Doc: `A VBR job (vendor JobSpec; type VSphereBackup, HyperVBackup, BackupCopy, LinuxAgentBackup,
WindowsAgentBackup, FileBackup, ...), validated against the variant its type selects. storage.backupRepositoryId
may be written storage.backupRepository: NAME (a vbr.repository), resolved to the id before each write; apply
creates the repository first. The objects a job protects (computers, virtualMachines) take vendor ids: write them as
expressions (resources['vbr.protection_group']['NAME'].id). The job is created and updated with one call (no
session); starting it is the action vbr.job.start. Changing type is a replace (delete + create), planned as
destructive.`,
			Example: `resources:
  - kind: vbr.job
    target: vbr
    name: Linux agents daily
    spec:
      type: LinuxAgentBackup
      description: Daily backup of the Linux servers
      agentType: Server
      backupMode: EntireComputer
      computers:
        - id: 0b8d4c2e-5f3a-4e1b-9c7d-2a6e8f1b3c5d
          protectionGroupId: 0b8d4c2e-5f3a-4e1b-9c7d-2a6e8f1b3c5d
          name: Linux Servers
          type: ProtectionGroup
          platform: Agent
      storage:
        backupRepository: Default Backup Repository`,
		},
		path:         "/api/v1/jobs",
		identity:     "name",
		specIdentity: "name",
		refs:         []vbrRef{refRepositories.as("backupRepositoryId", "backupRepository")},
	})
}
