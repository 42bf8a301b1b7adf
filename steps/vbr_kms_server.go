package steps

// vbrKMSServer is the vbr.kms_server kind, built from its table row (vbr_table.go).
func vbrKMSServer() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.kms_server",
			Summary: "A key management server (KMIP) holding encryption keys.",
			Doc: `A KMS server (vendor KeyManagementServerBaseSpec, type KMS) with its port and certificates. The
certificates are sent on create (the model keeps only their thumbprints) and never diffed; changing them is an
explicit action. description and port are compared and updated with a PUT of the whole model.`,
			Example: `resources:
  - kind: vbr.kms_server
    target: vbr
    name: kms01.tech.local
    spec:
      type: KMS
      description: Corporate KMS
      port: 5696
      serverCertificate: {certificate: MIIBkTCB+wIJAK, formatType: Pem}
      clientCertificate: {certificate: MIIBkTCB+wIJAL, formatType: Pfx, password: "${{ secret('KMS_CERT_PASSWORD') }}"}`,
		},
		path:         "/api/v1/kmsServers",
		identity:     "name",
		specIdentity: "name",
	})
}
