package steps

// vbrGlobalVMExclusions is the vbr.global_vm_exclusions query.
func vbrGlobalVMExclusions() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.global_vm_exclusions",
			Summary: "Virtual machines excluded from every job (global VM exclusions).",
			Doc: `Lists GET /api/v1/globalExclusions/vm (GlobalVMExclusionModel: id, name, platform, hostName, objectId, note).
Defined from 1.3-rev0. The collection has no filter: use where.`,
			Example: `data:
  excluded:
    target: vbr
    query: vbr.global_vm_exclusions
    where: 'note contains "decommissioned"'`,
		},
		path:   "/api/v1/globalExclusions/vm",
		params: nil,
	}.query()
}
