package steps

// vbrADDomain is the vbr.ad_domain kind, built from its table row (vbr_table.go).
func vbrADDomain() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.ad_domain",
			Summary: "An Active Directory domain VBR browses for protection groups and restores.",
			Doc: `An Active Directory domain (vendor ADDomainSpec) reached through a domain controller. The resource name
is the server name (the domain controller or domain DNS name). credentialsId may be written credentials: NAME (a
vbr.credential), resolved before the write; apply creates the credentials first. The vendor has no update for
domains: a change is a replace (delete + create), planned as destructive.`,
			Example: `resources:
  - kind: vbr.ad_domain
    target: vbr
    name: dc01.corp.example
    spec:
      credentials: svc-backup@tech.local
      port: 389
  - kind: vbr.credential
    target: vbr
    name: svc-backup@tech.local
    spec:
      type: Standard
      password: "${{ secret('AD_PASSWORD') }}"`,
		},
		path:         "/api/v1/adDomains",
		identity:     "serverName",
		specIdentity: "serverName",
		refs:         []vbrRef{refCredentials.as("credentialsId", "credentials")},
	})
}
