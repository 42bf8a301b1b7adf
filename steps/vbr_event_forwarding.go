package steps

// vbrEventForwarding is the vbr.event_forwarding settings kind, built from its table row
// (vbr_settings.go).
func vbrEventForwarding() *Kind {
	return settingsKind(vbrSettings{
		meta: Meta{
			Name:    "vbr.event_forwarding",
			Summary: "Event forwarding to SNMP and syslog servers.",
			Doc: `The event forwarding settings of the general options (vendor GeneralOptionsEventForwardingModel): SNMP receivers, the syslog server and its filters. One object per target (the resource name is free, "default" by convention; declaring it twice on a
target is an error): it is never created or deleted. A plan compares the declared fields only; apply reads the
whole document, merges the declared fields over it and replaces it (PUT), as the vendor requires. Needs VBR REST API 1.3-rev1 or later.`,
			Example: `resources:
  - kind: vbr.event_forwarding
    target: vbr
    name: default
    spec:
      syslogServer: {serverName: syslog.tech.local, port: 514, transportProtocol: Udp}`,
		},
		path: "/api/v1/generalOptions/eventForwarding",
	})
}
