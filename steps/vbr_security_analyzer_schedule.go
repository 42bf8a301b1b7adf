package steps

// vbrSecurityAnalyzerSchedule is the vbr.security_analyzer_schedule settings kind, built from its table row
// (vbr_settings.go).
func vbrSecurityAnalyzerSchedule() *Kind {
	return settingsKind(vbrSettings{
		meta: Meta{
			Name:    "vbr.security_analyzer_schedule",
			Summary: "When the security and compliance analyzer runs and whom it tells.",
			Doc: `The schedule of the security and compliance analyzer (vendor SecurityAnalyzerScheduleSettingsModel). One object per target (the resource name is free, "default" by convention; declaring it twice on a
target is an error): it is never created or deleted. A plan compares the declared fields only; apply reads the
whole document, merges the declared fields over it and replaces it (PUT), as the vendor requires. Needs VBR REST API 1.2-rev1 or later.`,
			Example: `resources:
  - kind: vbr.security_analyzer_schedule
    target: vbr
    name: default
    spec:
      dailyScanEnabled: true
      sendScanResults: true`,
		},
		path: "/api/v1/securityAnalyzer/schedule",
	})
}
