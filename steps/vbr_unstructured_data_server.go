package steps

// vbrUnstructuredDataServer is the vbr.unstructured_data_server kind, built from its table row (vbr_table.go).
func vbrUnstructuredDataServer() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.unstructured_data_server",
			Summary: "A file share, file server or object storage source for unstructured data backup.",
			Doc: `An unstructured data server (vendor UnstructuredDataServerSpec; type SMBShare, NFSShare, FileServer,
NASFiler, S3Compatible, AmazonS3, AzureBlob). The server names it after its path (shares) or host (file servers), so
the resource name is that path or host name. accessCredentialsId may be written accessCredentials: NAME and hostId
host: NAME, resolved to ids before each write. Create, update and delete answer with a session, which is awaited.
Creating one needs VBR REST API 1.3-rev1 or later. Changing type is a replace (delete + create), planned as
destructive.`,
			Example: `resources:
  - kind: vbr.unstructured_data_server
    target: vbr
    name: nfs01.tech.local:/exports/projects
    spec:
      type: NFSShare
      path: nfs01.tech.local:/exports/projects
      processing: {backupIOControlLevel: Medium, backupProxies: {autoSelectEnabled: true}, cacheRepository: Default Backup Repository}`,
		},
		path:         "/api/v1/inventory/unstructuredDataServers",
		identity:     "name",
		specIdentity: "",
		refs:         []vbrRef{refCredentials.as("accessCredentialsId", "accessCredentials"), refManagedServers.as("hostId", "host"), refRepositories.as("cacheRepositoryId", "cacheRepository")},
	})
}
