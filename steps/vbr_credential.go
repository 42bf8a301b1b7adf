package steps

// vbrCredential is the vbr.credential kind, built from its table row (vbr_table.go).
func vbrCredential() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.credential",
			Summary: "Credentials VBR connects to servers with (Standard, Linux with a password or a key, ManagedService).",
			Doc: `A record of the VBR credentials manager (vendor CredentialsSpec of the target's revision; type Standard,
Linux or ManagedService). The resource name is the account (username), unique per target. password, privateKey,
passphrase and rootPassword are write-only: sent on create, never returned by the server, so never diffed, and
masked everywhere (write them with secret()); rotating one is an explicit action, never a silent update. Other
fields (description, SSHPort, elevateToRoot, ...) are compared and updated with a PUT of the whole model. Changing
type is a replace (delete + create), planned as destructive. Managed servers, protection groups and AD domains name
credentials by this name (credentials: NAME).`,
			Example: `resources:
  - kind: vbr.credential
    target: vbr
    name: svc-linux
    spec:
      type: Linux
      description: Linux service account
      authenticationType: Password
      password: "${{ secret('LINUX_PASSWORD') }}"
      SSHPort: 22
      elevateToRoot: true`,
		},
		path:         "/api/v1/credentials",
		identity:     "username",
		specIdentity: "username",
	})
}
