package steps

// vbrRepositoryStates is the vbr.repository_states query.
func vbrRepositoryStates() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.repository_states",
			Summary: "Capacity, free space and online state of every repository.",
			Doc: `Lists GET /api/v1/backupInfrastructure/repositories/states (RepositoryStateModel: id, name, type, capacityGB,
freeGB, usedSpaceGB, isOnline, isOutOfDate, hostName, scaleOutRepositoryDetails). name, type, isOnline and
sobrId are pushed down as nameFilter, typeFilter, isOnlineFilter and sobrIdFilter. isOutOfDate may arrive as the
string "true"/"false" from older servers.`,
			Example: `data:
  offline:
    target: vbr
    query: vbr.repository_states
    params: {isOnline: false}`,
		},
		path: pathRepositoryStates,
		params: []vbrParam{nameParam, typeParam("Repository type or types.", repositoryTypes...),
			{"isOnline", "isOnlineFilter", prop("boolean", "Only online (true) or offline (false) repositories.")},
			{"sobrId", "sobrIdFilter", prop("string", "Only extents of this scale-out repository.")}},
	}.query()
}
