package steps

// vbrCredentials is the vbr.credentials query.
func vbrCredentials() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.credentials",
			Summary: "Credentials records (standard, Linux, managed service accounts); passwords are never returned.",
			Doc: `Lists GET /api/v1/credentials (CredentialsModel: id, username, description, type, creationTime, and per
type SSHPort, elevateToRoot, ...). The model has no name: the name parameter is the username, pushed down as
nameFilter, and type as typeFilter. The server never returns passwords or private keys.`,
			Example: `data:
  linux_admin:
    target: vbr
    query: vbr.credentials
    params: {type: Linux}
    where: 'username == "root"'
    one: true`,
		},
		path:      "/api/v1/credentials",
		nameField: "username",
		params:    []vbrParam{nameParam, typeParam("Credentials type or types (Standard, Linux, ManagedService).")},
	}.query()
}
