package steps

import "github.com/vplay-dev/vplay/veeam"

// vbrDiscoveredEntityUninstallAgent is the vbr.discovered_entity.uninstall_agent action.
func vbrDiscoveredEntityUninstallAgent() *Action {
	return entityAction("vbr.discovered_entity.uninstall_agent",
		entityOp{operation: "uninstallAgent", verb: "uninstall the agent from", skip: agentIs("agent not installed", "NotInstalled")},
		RiskDisruptive, veeam.KindSession,
		"Uninstall the backup agent from discovered computers and await the session.",
		`Uninstalls the Veeam Agent from the selected discovered computers, which stops their agent backups (hence disruptive). Precondition: computers whose agentStatus is NotInstalled are skipped.`,
		`steps:
  - id: uninstall_agents
    action: vbr.discovered_entity.uninstall_agent
    target: vbr
    with:
      protectionGroup: Linux fleet
      entities: [linux03.tech.local]`)
}
