package steps

// vbrManagedServerRescan is the vbr.managed_server.rescan action.
func vbrManagedServerRescan() *Action {
	return objectAction{
		name:    "vbr.managed_server.rescan",
		what:    "managed server",
		summary: "Rescan a managed server (disks, volumes, installed components) and await the session.",
		doc: `Rescans one managed server: POST /backupInfrastructure/managedServers/{id}/rescan (defined from 1.3-rev0),
which refreshes what VBR knows of the host (disks, volumes, components). The vendor documents do not name the
session's type; vplay expects Infrastructure, the type of the other host operations.`,
		example: `steps:
  - id: rescan_host
    action: vbr.managed_server.rescan
    target: vbr
    with:
      managedServer: linux01.tech.local`,
		risk:        RiskMaintenance,
		collection:  pathManagedServers,
		ref:         "managedServer",
		refDoc:      "Managed server name or id.",
		operation:   "rescan",
		sessionType: "Infrastructure",
	}.action()
}
