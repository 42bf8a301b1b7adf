package steps

import "github.com/vplay-dev/vplay/veeam"

// vbrDiscoveredEntityInstallAgent is the vbr.discovered_entity.install_agent action.
func vbrDiscoveredEntityInstallAgent() *Action {
	return entityAction("vbr.discovered_entity.install_agent",
		entityOp{operation: "installAgent", verb: "install the agent on", skip: agentIs("agent already installed", "Installed")},
		RiskMaintenance, veeam.KindSession,
		"Install the backup agent on discovered computers and await the AgentDiscovery session.",
		`Installs the Veeam Agent on the selected discovered computers. Precondition: computers whose agentStatus is already Installed are skipped, and the plan names them.`,
		`steps:
  - id: install_agents
    action: vbr.discovered_entity.install_agent
    target: vbr
    with:
      protectionGroup: Linux fleet
      where: {agentStatus: NotInstalled}`)
}
