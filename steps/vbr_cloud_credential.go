package steps

// vbrCloudCredential is the vbr.cloud_credential kind, built from its table row (vbr_table.go).
func vbrCloudCredential() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.cloud_credential",
			Summary: "Cloud credentials (Amazon, Azure storage or compute, Google) for object storage and cloud machines.",
			Doc: `A record of the VBR cloud credentials (vendor CloudCredentialsSpec; type Amazon, AzureStorage,
AzureCompute, Google or GoogleService). The vendor model has no name field: the resource name is the description,
which must be unique per target. Secret keys (secretKey, sharedKey, ...) are write-only: sent on create, never
returned, never diffed, masked everywhere. Changing type is a replace (delete + create), planned as destructive.`,
			Example: `resources:
  - kind: vbr.cloud_credential
    target: vbr
    name: S3 backup account
    spec:
      type: Amazon
      accessKey: AKIAIOSFODNN7EXAMPLE
      secretKey: "${{ secret('AWS_SECRET_KEY') }}"`,
		},
		path:         "/api/v1/cloudCredentials",
		identity:     "description",
		specIdentity: "description",
	})
}
