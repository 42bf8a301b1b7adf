package steps

// vbrUsers is the vbr.users query.
func vbrUsers() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.users",
			Summary: "Users and groups with roles on the backup server.",
			Doc: `Lists GET /api/v1/security/users (UserModel: id, name, type, roles, isServiceAccount). Defined from 1.3-rev1.
name, type, roleId, roleName and isServiceAccount are pushed down as server filters.`,
			Example: `data:
  admins:
    target: vbr
    query: vbr.users
    params: {roleName: Veeam Backup Administrator}`,
		},
		path: "/api/v1/security/users",
		params: []vbrParam{
			nameParam,
			typeParam("User or group type."),
			{"roleId", "roleIdFilter", prop("string", "Id of a role the user has.")},
			{"roleName", "roleNameFilter", prop("string", "Name of a role the user has.")},
			{"isServiceAccount", "isServiceAccountFilter", prop("boolean", "Only service accounts, or only the others.")},
		},
	}.query()
}
