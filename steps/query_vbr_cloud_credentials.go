package steps

// vbrCloudCredentials is the vbr.cloud_credentials query.
func vbrCloudCredentials() *Query {
	return vbrListQuery{
		meta: Meta{
			Name:    "vbr.cloud_credentials",
			Summary: "Cloud credentials records (Azure, Amazon, Google); secret keys are never returned.",
			Doc: `Lists GET /api/v1/cloudCredentials (CloudCredentialsModel: id, type, description, and per type account, accessKey,
connectionName, ...). name and type are pushed down as nameFilter and typeFilter.`,
			Example: `data:
  s3_keys:
    target: vbr
    query: vbr.cloud_credentials
    params: {type: Amazon}`,
		},
		path:      "/api/v1/cloudCredentials",
		nameField: "-",
		params: []vbrParam{
			nameParam,
			typeParam("Cloud credentials type or types (AzureStorage, AzureCompute, Amazon, Google, GoogleService)."),
		},
	}.query()
}
