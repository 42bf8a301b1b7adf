package steps

// vbrADDomains is the vbr.ad_domains query.
func vbrADDomains() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.ad_domains",
			Summary: "Active Directory domains registered for agent protection groups and restores.",
			Doc: `Lists GET /api/v1/adDomains (ADDomainModel: id, name, credentialsId, port, ...). Defined from 1.3-rev0. name is
pushed down as nameFilter.`,
			Example: `data:
  domain:
    target: vbr
    query: vbr.ad_domains
    params: {name: tech.local}
    one: true`,
		},
		path:   "/api/v1/adDomains",
		params: []vbrParam{nameParam},
	}.query()
}
