package steps

// vbrProtectionGroupEnable is the vbr.protection_group.enable action.
func vbrProtectionGroupEnable() *Action {
	return protectionGroupToggle("vbr.protection_group.enable", false,
		"Enable a disabled protection group, so its discovery and agent jobs run again.",
		`Enables a protection group: POST /agents/protectionGroups/{id}/enable (defined from 1.3-rev0). A group that is
already enabled is skipped (isDisabled false).`)
}

// protectionGroupToggle builds vbr.protection_group.enable (disable false)
// and vbr.protection_group.disable. The vendor answers 200 with a session
// in 1.3-rev0 and 204 from 1.3-rev1; a session is awaited.
func protectionGroupToggle(name string, disable bool, summary, doc string) *Action {
	return objectAction{
		name: name, what: "protection group", summary: summary, doc: doc,
		example: `steps:
  - id: ` + toggleOp(disable) + `_group
    action: ` + name + `
    target: vbr
    with:
      protectionGroup: Windows Servers`,
		risk:             RiskMaintenance,
		collection:       pathProtectionGroups,
		ref:              "protectionGroup",
		refDoc:           "Protection group name or id.",
		mayAnswerSession: true,
	}.toggle(disable).action()
}
