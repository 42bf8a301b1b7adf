package steps

// vbrProxy is the vbr.proxy kind, built from its table row (vbr_table.go).
func vbrProxy() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.proxy",
			Summary: "A backup proxy (VMware, Hyper-V or general-purpose) on a managed server named by name.",
			Doc: `A VBR backup proxy (vendor ProxySpec; type ViProxy, HvProxy or GeneralPurposeProxy). The server names a
proxy after its managed server, so the resource name is the managed server's name; server.hostId may be written
server.host: NAME (a vbr.managed_server), resolved to its id before each write, and apply adds the server first.
Create and update answer with an Infrastructure session, which is awaited. Changing type is a replace (delete +
create), planned as destructive.`,
			Example: `resources:
  - kind: vbr.proxy
    target: vbr
    name: linux01.tech.local
    spec:
      type: GeneralPurposeProxy
      description: File and agent proxy
      server: {host: linux01.tech.local, maxTaskCount: 4}`,
		},
		path:         "/api/v1/backupInfrastructure/proxies",
		identity:     "name",
		specIdentity: "",
		refs:         []vbrRef{refManagedServers.as("hostId", "host")},
	})
}
