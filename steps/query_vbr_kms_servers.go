package steps

// vbrKMSServers is the vbr.kms_servers query.
func vbrKMSServers() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.kms_servers",
			Summary: "Key management servers (KMIP) used for encryption.",
			Doc: `Lists GET /api/v1/kmsServers (KMSServerModel: id, name, description, type, port, certificates). Defined from
1.2-rev1. name and type are pushed down as nameFilter and typeFilter.`,
			Example: `data:
  kms:
    target: vbr
    query: vbr.kms_servers
    where: 'name == "kms01.tech.local"'
    one: true`,
		},
		path:   "/api/v1/kmsServers",
		params: []vbrParam{nameParam, typeParam("KMS server type (KMS).")},
	}.query()
}
