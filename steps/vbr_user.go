package steps

// vbrUser is the vbr.user kind, built from its table row (vbr_table.go).
func vbrUser() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.user",
			Summary: "A user or group with VBR roles (internal or external).",
			Doc: `A VBR user or group (vendor UserSpec; type InternalUser, InternalGroup, ExternalUser, ExternalGroup)
with its roles. The resource name is the account (DOMAIN\user). The vendor has no update for users: a change of
roles is a replace (delete + create), planned as destructive. Needs VBR REST API 1.3-rev1 or later.`,
			Example: `resources:
  - kind: vbr.user
    target: vbr
    name: TECH\\backup-operators
    spec:
      type: InternalGroup
      isServiceAccount: false
      roles: [{id: 7c2b5f1e-3a4d-4e8b-9c6a-1d2e3f4a5b6c, name: Veeam Backup Operator}]`,
		},
		path:         "/api/v1/security/users",
		identity:     "name",
		specIdentity: "name",
	})
}
