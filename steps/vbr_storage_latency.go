package steps

// vbrStorageLatency is the vbr.storage_latency settings kind, built from its table row
// (vbr_settings.go).
func vbrStorageLatency() *Kind {
	return settingsKind(vbrSettings{
		meta: Meta{
			Name:    "vbr.storage_latency",
			Summary: "Storage latency control: throttle jobs when datastore latency is high.",
			Doc: `The storage latency control of the general options (vendor StorageLatencyControlModel). One object per target (the resource name is free, "default" by convention; declaring it twice on a
target is an error): it is never created or deleted. A plan compares the declared fields only; apply reads the
whole document, merges the declared fields over it and replaces it (PUT), as the vendor requires. Needs VBR REST API 1.3-rev1 or later.`,
			Example: `resources:
  - kind: vbr.storage_latency
    target: vbr
    name: default
    spec:
      storageLatencyControlEnabled: true
      storageLatencyControlOptions: {latencyLimitMs: 20}`,
		},
		path: "/api/v1/generalOptions/storageLatency",
	})
}
