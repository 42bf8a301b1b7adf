package steps

// vbrProtectionGroups is the vbr.protection_groups query.
func vbrProtectionGroups() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.protection_groups",
			Summary: "Agent protection groups (individual computers, AD objects, CSV files, ...).",
			Doc: `Lists GET /api/v1/agents/protectionGroups (ProtectionGroupModel: id, name, description, type, isDisabled,
options). name and type are pushed down as nameFilter and typeFilter.`,
			Example: `data:
  groups:
    target: vbr
    query: vbr.protection_groups
    params: {type: IndividualComputers}`,
		},
		path: pathProtectionGroups,
		params: []vbrParam{nameParam, typeParam("Protection group type or types.",
			"IndividualComputers", "ADObjects", "CSVFile", "PreInstalledAgents", "CloudMachines", "Iris", "ManuallyAdded", "Unmanaged")},
	}.query()
}
