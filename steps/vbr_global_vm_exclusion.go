package steps

// vbrGlobalVMExclusion is the vbr.global_vm_exclusion kind, built from its table row (vbr_table.go).
func vbrGlobalVMExclusion() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.global_vm_exclusion",
			Summary: "A virtual machine excluded from every job (global VM exclusion).",
			Doc: `A global VM exclusion (vendor GlobalVMExclusionSpec): the VM (vmObject, an inventory object) is never
processed by any job. The resource name is the VM's name. The vendor model returns vmObject as inventoryObject;
vplay compares the two. The vendor has no update for exclusions: a change is a
replace (delete + create), planned as destructive.`,
			Example: `resources:
  - kind: vbr.global_vm_exclusion
    target: vbr
    name: scratch-vm01
    spec:
      vmObject: {name: scratch-vm01, platform: VSphere, type: VirtualMachine, hostName: vc01.tech.local, objectId: vm-1042}`,
		},
		path:         "/api/v1/globalExclusions/vm",
		identity:     "inventoryObject.name",
		specIdentity: "vmObject.name",
		renames:      map[string]string{"vmObject": "inventoryObject"},
	})
}
