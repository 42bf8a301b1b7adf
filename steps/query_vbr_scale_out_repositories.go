package steps

// vbrScaleOutRepositories is the vbr.scale_out_repositories query.
func vbrScaleOutRepositories() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.scale_out_repositories",
			Summary: "Scale-out backup repositories with their extents and tiers.",
			Doc: `Lists GET /api/v1/backupInfrastructure/scaleOutRepositories (ScaleOutRepositoryModel; each performance extent
has id, name and status, e.g. [Sealed]). name is pushed down as nameFilter.`,
			Example: `data:
  sobr:
    target: vbr
    query: vbr.scale_out_repositories
    params: {name: sobr-main}
    one: true`,
		},
		path:   pathScaleOut,
		params: []vbrParam{nameParam},
	}.query()
}
