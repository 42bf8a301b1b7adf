package steps

// vbrSecuritySettings is the vbr.security_settings settings kind, built from its table row
// (vbr_settings.go).
func vbrSecuritySettings() *Kind {
	return settingsKind(vbrSettings{
		meta: Meta{
			Name:    "vbr.security_settings",
			Summary: "Security settings of the backup server (multi-factor authentication).",
			Doc: `The user and role security settings (vendor UserRoleSettingsModel). One object per target (the resource name is free, "default" by convention; declaring it twice on a
target is an error): it is never created or deleted. A plan compares the declared fields only; apply reads the
whole document, merges the declared fields over it and replaces it (PUT), as the vendor requires. Needs VBR REST API 1.3-rev1 or later.`,
			Example: `resources:
  - kind: vbr.security_settings
    target: vbr
    name: default
    spec:
      mfaEnabled: true`,
		},
		path: "/api/v1/security/settings",
	})
}
