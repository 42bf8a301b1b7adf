package steps

// vbrTrafficRules is the vbr.traffic_rules settings kind, built from its table row
// (vbr_settings.go).
func vbrTrafficRules() *Kind {
	return settingsKind(vbrSettings{
		meta: Meta{
			Name:    "vbr.traffic_rules",
			Summary: "Network traffic rules: throttling, encryption and preferred networks.",
			Doc: `The global network traffic rules (vendor GlobalNetworkTrafficRulesModel). One object per target (the resource name is free, "default" by convention; declaring it twice on a
target is an error): it is never created or deleted. A plan compares the declared fields only; apply reads the
whole document, merges the declared fields over it and replaces it (PUT), as the vendor requires. trafficRules is a list and is replaced whole.`,
			Example: `resources:
  - kind: vbr.traffic_rules
    target: vbr
    name: default
    spec:
      useMultipleStreamsPerJob: true
      uploadStreamsCount: 5`,
		},
		path: "/api/v1/trafficRules",
	})
}
