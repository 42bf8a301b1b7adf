package steps

// vbrProtectionGroup is the vbr.protection_group kind, built from its table row (vbr_table.go).
func vbrProtectionGroup() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.protection_group",
			Summary: "A protection group of computers for agent backups (individual computers, AD objects, CSV, ...).",
			Doc: `A VBR protection group (vendor ProtectionGroupSpec; type IndividualComputers, ADObjects, CSVFile,
PreInstalledAgents, CloudMachines, ...). Computers name their credentials by name (credentials: NAME, a
vbr.credential by username), resolved to credentialsId before each write; apply creates the credentials first.
Create, update and delete answer with a session, which is awaited. Changing type is a replace (delete + create),
planned as destructive. Delete takes the option uninstall_everything (default false: agents stay installed on
the computers). The actions vbr.discovered_entity.* act on the computers a group discovers.`,
			Example: `resources:
  - kind: vbr.protection_group
    target: vbr
    name: Linux web servers
    spec:
      type: IndividualComputers
      description: Linux servers backed up by agents
      computers:
        - {hostName: web01.tech.local, connectionType: PermanentCredentials, credentials: svc-web}
  - kind: vbr.credential
    target: vbr
    name: svc-web
    spec:
      type: Linux
      authenticationType: Password
      password: "${{ secret('WEB_PASSWORD') }}"`,
		},
		path:         pathProtectionGroups,
		identity:     "name",
		specIdentity: "name",
		refs:         []vbrRef{refCredentials.as("credentialsId", "credentials")},
		deleteQuery:  map[string]string{"uninstall_everything": "uninstallEverything"},
	})
}
