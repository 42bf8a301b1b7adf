package steps

// vbrManagedServers is the vbr.managed_servers query.
func vbrManagedServers() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.managed_servers",
			Summary: "Managed servers of the backup server (Windows and Linux hosts, hypervisors, ...).",
			Doc: `Lists GET /api/v1/backupInfrastructure/managedServers (ManagedServerModel: id, name, description, type,
status and per type credentials and flags). name and type are pushed down as nameFilter and typeFilter.`,
			Example: `data:
  linux_host:
    target: vbr
    query: vbr.managed_servers
    params: {type: LinuxHost}
    where: 'name == "linux01.tech.local"'
    one: true`,
		},
		path: pathManagedServers,
		params: []vbrParam{nameParam, typeParam("Server type or types.",
			"WindowsHost", "LinuxHost", "ViHost", "CloudDirectorHost", "HvServer", "HvCluster", "SCVMM", "SmbV3Cluster", "SmbV3StandaloneHost")},
	}.query()
}
