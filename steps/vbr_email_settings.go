package steps

// vbrEmailSettings is the vbr.email_settings settings kind, built from its table row
// (vbr_settings.go).
func vbrEmailSettings() *Kind {
	return settingsKind(vbrSettings{
		meta: Meta{
			Name:    "vbr.email_settings",
			Summary: "The e-mail server VBR sends notifications through (SMTP, Gmail or Microsoft 365).",
			Doc: `The e-mail notification settings of the general options (vendor GeneralOptionsEmailSettingsBaseModel; mailServer SMTP, Gmail or MS365). One object per target (the resource name is free, "default" by convention; declaring it twice on a
target is an error): it is never created or deleted. A plan compares the declared fields only; apply reads the
whole document, merges the declared fields over it and replaces it (PUT), as the vendor requires. Needs VBR REST API 1.3-rev1 or later.`,
			Example: `resources:
  - kind: vbr.email_settings
    target: vbr
    name: default
    spec:
      mailServer: SMTP
      notificationsEnabled: true
      smtpServerName: smtp.tech.local`,
		},
		path: "/api/v1/generalOptions/emailSettings",
	})
}
