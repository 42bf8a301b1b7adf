package steps

// vbrMountServer is the vbr.mount_server kind, built from its table row
// (vbr_table.go): a managed server's mount server role, named after it.
func vbrMountServer() *Kind {
	host := refManagedServers.as("hostId", "")
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.mount_server",
			Summary: "The mount server role of a managed server (Windows or Linux), named by the server's name.",
			Doc: `A VBR mount server (vendor MountServerSpec; defined from 1.3-rev0): the role, assigned to an existing
managed server, that mounts backups for restores. A mount server has no name of its own: its id is its managed
server's, so the resource name is that server's name (a vbr.managed_server, declared in the playbook or existing on
the server); apply adds the server first and sends its id as hostId. The type (Windows or Linux) is the server's.
Create (POST) and update (PUT, the settings) answer with an Infrastructure session, which is awaited. setAsDefault is
sent on create only (the model does not return it): to make another mount server the default later, run the vendor's
POST /backupInfrastructure/mountServers/{id}/default. The vendor API cannot remove the role (no DELETE): state: absent
is refused, and so is a prune selector.`,
			Example: `resources:
  - kind: vbr.mount_server
    target: vbr
    name: linux01.tech.local
    spec:
      settings:
        writeCacheFolder: /var/lib/veeam/IRCache/
        vPowerNFSEnabled: false`,
		},
		path:  "/api/v1/backupInfrastructure/mountServers",
		owner: &host,
	})
}
