package steps

// vbrKMSServerChangeCertificate is the vbr.kms_server.change_certificate
// action.
func vbrKMSServerChangeCertificate() *Action {
	return objectAction{
		name:    "vbr.kms_server.change_certificate",
		what:    "KMS server",
		summary: "Replace the client or server certificate VBR uses with a KMS server.",
		doc: `Replaces a certificate of a key management server: POST /kmsServers/{id}/changeCertificate (defined from
1.2-rev1) with the vendor KMSServerChangeCertificateSpec: type (Client or Server) and certificate (certificate: the
Base64 content of the file, formatType, password). Write the certificate password as ${{ secret('NAME') }}: it is
masked everywhere. The server answers 204.`,
		example: `steps:
  - id: kms_cert
    action: vbr.kms_server.change_certificate
    target: vbr
    with:
      kmsServer: kms01.tech.local
      type: Client
      certificate:
        certificate: "${{ secret('KMS_CLIENT_PFX_BASE64') }}"
        formatType: Pfx
        password: "${{ secret('KMS_CLIENT_PFX_PASSWORD') }}"`,
		risk:       RiskMaintenance,
		collection: "/api/v1/kmsServers",
		ref:        "kmsServer",
		refDoc:     "KMS server name or id.",
		operation:  "changeCertificate",
		vendorBody: true,
		refine: map[string]map[string]any{
			"type":        {"description": "Which certificate to replace."},
			"certificate": {"description": "The certificate file: certificate (Base64 content), formatType, password (write ${{ secret('NAME') }})."},
		},
	}.action()
}
