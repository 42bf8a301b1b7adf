package steps

import "github.com/vplay-dev/vplay/veeam"

// vbrDiscoveredEntityRemove is the vbr.discovered_entity.remove action.
func vbrDiscoveredEntityRemove() *Action {
	return entityAction("vbr.discovered_entity.remove",
		entityOp{operation: "", verb: "remove", skip: nil},
		RiskDestructive, veeam.AsyncKind(""),
		"Remove discovered entities from a protection group (no session: 204 per entity).",
		`Removes the selected discovered entities from the protection group's list, one DELETE per entity, each answered 204 without a session; an entity that is already gone counts as removed.`,
		`steps:
  - id: forget_retired
    action: vbr.discovered_entity.remove
    target: vbr
    with:
      protectionGroup: Linux fleet
      entities: [retired01.tech.local]`)
}
