package steps

// vbrNotifications is the vbr.notifications settings kind, built from its table row
// (vbr_settings.go).
func vbrNotifications() *Kind {
	return settingsKind(vbrSettings{
		meta: Meta{
			Name:    "vbr.notifications",
			Summary: "Space and support notifications of the general options.",
			Doc: `The notification thresholds of the general options (vendor GeneralOptionsNotificationsModel). One object per target (the resource name is free, "default" by convention; declaring it twice on a
target is an error): it is never created or deleted. A plan compares the declared fields only; apply reads the
whole document, merges the declared fields over it and replaces it (PUT), as the vendor requires. Needs VBR REST API 1.3-rev1 or later.`,
			Example: `resources:
  - kind: vbr.notifications
    target: vbr
    name: default
    spec:
      storageSpaceThresholdEnabled: true
      storageSpaceThreshold: 10
      notifyOnUpdates: true`,
		},
		path: "/api/v1/generalOptions/notifications",
	})
}
