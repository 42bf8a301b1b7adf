package steps

import "github.com/vplay-dev/vplay/veeam"

// vbrDiscoveredEntityRescan is the vbr.discovered_entity.rescan action.
func vbrDiscoveredEntityRescan() *Action {
	return entityAction("vbr.discovered_entity.rescan",
		entityOp{operation: "rescan", verb: "rescan", skip: nil},
		RiskMaintenance, veeam.KindSession,
		"Rescan discovered entities of a protection group and await the AgentDiscovery session.",
		`Rescans the selected discovered entities of a protection group: VBR reconnects to each computer and refreshes its state, agent and driver status.`,
		`steps:
  - id: rescan_entities
    action: vbr.discovered_entity.rescan
    target: vbr
    with:
      protectionGroup: Linux fleet
      where: {state: Offline}`)
}
