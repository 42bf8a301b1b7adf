package steps

// vbrGeneralOptions is the vbr.general_options settings kind, built from its table row
// (vbr_settings.go).
func vbrGeneralOptions() *Kind {
	return settingsKind(vbrSettings{
		meta: Meta{
			Name:    "vbr.general_options",
			Summary: "The general options of the backup server: notifications, e-mail and SIEM integration.",
			Doc: `The VBR general options (vendor GeneralOptionsModel). One object per target (the resource name is free, "default" by convention; declaring it twice on a
target is an error): it is never created or deleted. A plan compares the declared fields only; apply reads the
whole document, merges the declared fields over it and replaces it (PUT), as the vendor requires.`,
			Example: `resources:
  - kind: vbr.general_options
    target: vbr
    name: default
    spec:
      notificationEnabled: true
      notifications: {storageSpaceThresholdEnabled: true, storageSpaceThreshold: 10}`,
		},
		path: "/api/v1/generalOptions",
	})
}
