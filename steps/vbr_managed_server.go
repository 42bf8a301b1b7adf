package steps

// vbrManagedServer is the vbr.managed_server kind, built from its table row (vbr_table.go).
func vbrManagedServer() *Kind {
	return collectionKind(vbrCollection{
		meta: Meta{
			Name:    "vbr.managed_server",
			Summary: "A server of the backup infrastructure (Windows, Linux, vSphere, Hyper-V, ...), with its credentials by name.",
			Doc: `A VBR managed server (vendor ManagedServerSpec; type WindowsHost, LinuxHost, ViHost, HvServer, ...). The
resource name is the server's DNS name or address. credentialsId may be written credentials: NAME (a vbr.credential,
by username, declared in the playbook or existing on the server): it is resolved to the id before each write, and
apply creates the credentials first. Create, update and delete answer with an Infrastructure session, which is
awaited. Changing type is a replace (delete + create), planned as destructive.`,
			Example: `resources:
  - kind: vbr.managed_server
    target: vbr
    name: linux-repo01.tech.local
    spec:
      type: LinuxHost
      description: Linux repository server
      credentials: svc-linux
      credentialsStorageType: Permanent
      sshFingerprint: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx
  - kind: vbr.credential
    target: vbr
    name: svc-linux
    spec:
      type: Linux
      authenticationType: Password
      password: "${{ secret('LINUX_PASSWORD') }}"`,
		},
		path:         pathManagedServers,
		identity:     "name",
		specIdentity: "name",
		refs:         []vbrRef{refCredentials.as("credentialsId", "credentials")},
	})
}
