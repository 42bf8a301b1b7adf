package steps

// vbrEncryptionPassword is the vbr.encryption_password kind, built from its table row (vbr_table.go).
func vbrEncryptionPassword() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.encryption_password",
			Summary: "A data encryption password, identified by its hint.",
			Doc: `A password of the VBR encryption password manager (vendor EncryptionPasswordSpec). The resource name is
the hint, which identifies the password in the console. The password is write-only: sent on create, never returned,
never diffed, masked everywhere; changing it is an explicit action, never a silent update. uniqueId and isImported
are compared.`,
			Example: `resources:
  - kind: vbr.encryption_password
    target: vbr
    name: Backup encryption 2027
    spec:
      password: "${{ secret('BACKUP_ENCRYPTION_PASSWORD') }}"`,
		},
		path:         "/api/v1/encryptionPasswords",
		identity:     "hint",
		specIdentity: "hint",
	})
}
