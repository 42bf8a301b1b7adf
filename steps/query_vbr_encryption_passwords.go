package steps

// vbrEncryptionPasswords is the vbr.encryption_passwords query.
func vbrEncryptionPasswords() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.encryption_passwords",
			Summary: "Data encryption passwords, by hint; the passwords themselves are never returned.",
			Doc: `Lists GET /api/v1/encryptionPasswords (EncryptionPasswordModel: id, hint, modificationTime, uniqueId). An
encryption password has no name: it is known by its hint, pushed down as hintFilter.`,
			Example: `data:
  backup_key:
    target: vbr
    query: vbr.encryption_passwords
    params: {hint: 2026 backup key}
    one: true`,
		},
		path:   "/api/v1/encryptionPasswords",
		params: []vbrParam{{"hint", "hintFilter", prop("string", "Hint of the password (server hintFilter).")}},
	}.query()
}
