package steps

// vbrProtectionGroupDisable is the vbr.protection_group.disable action.
func vbrProtectionGroupDisable() *Action {
	return protectionGroupToggle("vbr.protection_group.disable", true,
		"Disable a protection group: no discovery, agent deployment or policy runs for it until enabled.",
		`Disables a protection group: POST /agents/protectionGroups/{id}/disable (defined from 1.3-rev0). A group that
is already disabled is skipped (isDisabled true).`)
}
