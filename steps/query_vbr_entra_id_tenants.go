package steps

// vbrEntraIDTenants is the vbr.entra_id_tenants query.
func vbrEntraIDTenants() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.entra_id_tenants",
			Summary: "Microsoft Entra ID tenants added to the backup infrastructure.",
			Doc: `Lists GET /api/v1/inventory/entraId/tenants (EntraIdTenantModel: id, azureTenantId, description, region, cache
repository, ...). Defined from 1.2-rev1. name is pushed down as nameFilter.`,
			Example: `data:
  tenants:
    target: vbr
    query: vbr.entra_id_tenants`,
		},
		path:   "/api/v1/inventory/entraId/tenants",
		params: []vbrParam{nameParam},
	}.query()
}
