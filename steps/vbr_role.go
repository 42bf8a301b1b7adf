package steps

// vbrRole is the vbr.role kind, built from its table row (vbr_table.go).
func vbrRole() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.role",
			Summary: "A custom role: what its users may back up and restore, and where.",
			Doc: `A custom VBR role (vendor CustomRoleSpec): whether its users manage backups and restores, and the
inventory, repository and restore scopes. Only custom roles can be created; the built-in ones are read only.
Needs VBR REST API 1.3-rev2 (1.3-rev1 lists roles but cannot create them). Updated with a PUT of the whole model.`,
			Example: `resources:
  - kind: vbr.role
    target: vbr
    name: Restore operators
    spec:
      description: Restore only
      manageBackups: false
      manageRestores: true`,
		},
		path:         "/api/v1/security/roles",
		identity:     "name",
		specIdentity: "name",
	})
}
