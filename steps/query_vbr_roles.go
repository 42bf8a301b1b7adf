package steps

// vbrRoles is the vbr.roles query.
func vbrRoles() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.roles",
			Summary: "Roles that users of the backup server can have.",
			Doc: `Lists GET /api/v1/security/roles (RoleModel: id, name, description). Defined from 1.3-rev1. name is pushed down
as nameFilter.`,
			Example: `data:
  roles:
    target: vbr
    query: vbr.roles`,
		},
		path:   "/api/v1/security/roles",
		params: []vbrParam{nameParam},
	}.query()
}
