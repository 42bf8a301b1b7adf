package steps

// vbrUnstructuredDataServers is the vbr.unstructured_data_servers query.
func vbrUnstructuredDataServers() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.unstructured_data_servers",
			Summary: "Unstructured data sources: file servers, NAS filers, SMB and NFS shares, object storage.",
			Doc: `Lists GET /api/v1/inventory/unstructuredDataServers (UnstructuredDataServerModel: id, type and per type the host,
share path or account). Defined from 1.2-rev1. name and type are pushed down as nameFilter and typeFilter.`,
			Example: `data:
  shares:
    target: vbr
    query: vbr.unstructured_data_servers
    params: {type: SMBShare}`,
		},
		path:      "/api/v1/inventory/unstructuredDataServers",
		nameField: "-",
		params: []vbrParam{
			nameParam,
			typeParam("Server type or types (FileServer, SMBShare, NFSShare, NASFiler, ...)."),
		},
	}.query()
}
