package steps

// vbrRepositories is the vbr.repositories query.
func vbrRepositories() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.repositories",
			Summary: "Backup repositories (RepositoryModel), as vbr.repository manages them.",
			Doc: `Lists GET /api/v1/backupInfrastructure/repositories. name, type, hostId and path are pushed down as nameFilter,
typeFilter, hostIdFilter and pathFilter.`,
			Example: `data:
  linux_repos:
    target: vbr
    query: vbr.repositories
    params: {type: [LinuxLocal, LinuxHardened]}`,
		},
		path: pathRepositories,
		params: []vbrParam{nameParam, typeParam("Repository type or types.", repositoryTypes...),
			{"hostId", "hostIdFilter", prop("string", "ID of the repository's managed server.")},
			{"path", "pathFilter", prop("string", "Repository path.")}},
	}.query()
}
