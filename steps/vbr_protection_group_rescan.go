package steps

// vbrProtectionGroupRescan is the vbr.protection_group.rescan action.
func vbrProtectionGroupRescan() *Action {
	return objectAction{
		name:    "vbr.protection_group.rescan",
		what:    "protection group",
		summary: "Rescan a protection group (discover its computers, deploy agents as configured) and await the session.",
		doc: `Rescans a whole protection group: POST /agents/protectionGroups/{id}/rescan (defined from 1.3-rev0). VBR
discovers the group's computers again and, when the group says so, installs or upgrades agents. The vendor
documents do not name the session's type; vplay expects AgentDiscovery, the type of the discovered-entity rescans.
To rescan some computers only, use vbr.discovered_entity.rescan. A disabled group fails the step.`,
		example: `steps:
  - id: rescan_group
    action: vbr.protection_group.rescan
    target: vbr
    with:
      protectionGroup: Windows Servers`,
		risk:        RiskMaintenance,
		collection:  pathProtectionGroups,
		ref:         "protectionGroup",
		refDoc:      "Protection group name or id.",
		operation:   "rescan",
		sessionType: "AgentDiscovery",
		refuse: func(pg Doc) string {
			if boolOf(pg, "isDisabled") {
				return "the protection group is disabled: enable it first (vbr.protection_group.enable)"
			}
			return ""
		},
	}.action()
}
