package steps

// vbrEntraIDTenant is the vbr.entra_id_tenant kind, built from its table row (vbr_table.go).
func vbrEntraIDTenant() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.entra_id_tenant",
			Summary: "A Microsoft Entra ID tenant protected by VBR, identified by its Azure tenant id.",
			Doc: `A Microsoft Entra ID tenant (vendor EntraIDTenantSpec). The vendor model's name is optional and derived,
so the resource name is the Azure tenant id. The account is set up on create (creationMode NewAccount or
ExistingAccount with its secrets, write-only and masked); cacheRepositoryId may be written cacheRepository: NAME.
Create and delete answer with a session, which is awaited; description and the cache repository are updated with a
PUT of the whole model.`,
			Example: `resources:
  - kind: vbr.entra_id_tenant
    target: vbr
    name: 6f1c7a2e-4b8d-4c1e-9f3a-2d5e8b7c9a10
    spec:
      description: Corporate tenant
      creationMode: ExistingAccount
      existingAccount:
        authentication: {applicationId: 3c9e2b1a-7d4f-4e8a-b6c5-1f2e3d4c5b6a, secret: "${{ secret('ENTRA_APP_SECRET') }}"}`,
		},
		path:         "/api/v1/inventory/entraId/tenants",
		identity:     "azureTenantId",
		specIdentity: "azureTenantId",
		refs:         []vbrRef{refRepositories.as("cacheRepositoryId", "cacheRepository")},
	})
}
