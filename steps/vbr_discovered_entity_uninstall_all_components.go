package steps

import "github.com/vplay-dev/vplay/veeam"

// vbrDiscoveredEntityUninstallAllComponents is the vbr.discovered_entity.uninstall_all_components action.
func vbrDiscoveredEntityUninstallAllComponents() *Action {
	return entityAction("vbr.discovered_entity.uninstall_all_components",
		entityOp{operation: "uninstallAllComponents", verb: "uninstall all components from", skip: nil},
		RiskDestructive, veeam.KindSession,
		"Uninstall the agent, CBT driver and every Veeam component from discovered computers.",
		`Uninstalls every Veeam component (agent, change block tracking driver, plug-ins) from the selected discovered computers. Classed destructive: local agent configuration is removed with them. The vendor examples show this session as type Infrastructure rather than AgentDiscovery; either is awaited.`,
		`steps:
  - id: uninstall_everything
    action: vbr.discovered_entity.uninstall_all_components
    target: vbr
    with:
      protectionGroup: Linux fleet
      entities: [linux03.tech.local]`)
}
