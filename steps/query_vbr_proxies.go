package steps

// vbrProxies is the vbr.proxies query.
func vbrProxies() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.proxies",
			Summary: "Backup proxies (VMware, Hyper-V, general-purpose).",
			Doc: `Lists GET /api/v1/backupInfrastructure/proxies (ProxyModel: id, name, description, type, server with hostId,
transportMode, maxTaskCount, ...). name, type and hostId are pushed down as nameFilter, typeFilter and hostIdFilter.`,
			Example: `data:
  proxies:
    target: vbr
    query: vbr.proxies
    where: 'server.maxTaskCount < 4'`,
		},
		path: "/api/v1/backupInfrastructure/proxies",
		params: []vbrParam{
			nameParam,
			typeParam("Proxy type or types (ViProxy, HvProxy, GeneralPurposeProxy)."),
			{"hostId", "hostIdFilter", prop("string", "Id of the managed server the proxy runs on.")},
		},
	}.query()
}
