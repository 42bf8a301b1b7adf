package steps

// vbrMountServers is the vbr.mount_servers query.
func vbrMountServers() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.mount_servers",
			Summary: "Mount servers (Windows and Linux) used for restores.",
			Doc: `Lists GET /api/v1/backupInfrastructure/mountServers (MountServerModel: id (the managed server), type,
writeCacheFolder, isDefault, vPowerNFS settings). Defined from 1.3-rev0. A mount server has no name of its own;
type and isDefault are pushed down as typeFilter and isDefaultFilter.`,
			Example: `data:
  linux_mounts:
    target: vbr
    query: vbr.mount_servers
    params: {type: Linux}`,
		},
		path: "/api/v1/backupInfrastructure/mountServers",
		params: []vbrParam{
			typeParam("Mount server type (Windows, Linux; windows, linux in 1.3-rev0)."),
			{"isDefault", "isDefaultFilter", prop("boolean", "Only the default mount server, or only the others.")},
		},
	}.query()
}
