package kindscript

// Case is what the script of one table-driven kind changes, beyond its
// catalogue example.
type Case struct {
	// Field is the dotted spec field of the example's first resource the
	// update changes, and Value its new value.
	Field string
	Value any
	// Drift is a dotted field of the live object the example does not
	// declare, and DriftValue the value a server-side change gives it: the
	// playbook must still plan nothing ("" when the vendor model has no
	// field the example leaves undeclared). When Settable, the spec may
	// declare the field too, and the script proves the change is live: a
	// playbook declaring DriftValue plans an update before the change and
	// nothing after it.
	Drift      string
	DriftValue any
	Settable   bool
	// Names are the resource names used at each revision instead of the
	// example's: the simulator keeps one state of the hand-written
	// collections (managed servers, protection groups, mount servers) for
	// every revision, so the objects of two revisions need two names.
	Names map[string]string
	// Path is the vendor collection of a hand-written kind (one TableOf
	// does not describe), whose objects are named by their name field; ""
	// for the table-driven kinds, whose table gives it.
	Path string
	// Example replaces the kind's catalogue example when that names
	// objects the simulator does not have (a host id, extents, backups);
	// "" to use the catalogue's.
	Example string
}

// Revisions are the VBR REST revisions every script runs at (where the
// revision defines the kind).
var Revisions = []string{"1.3-rev1", "1.3-rev2"}

// Cases holds the case of every table-driven kind, and of the hand-written
// kinds given a Path, by kind name.
var Cases = map[string]Case{
	"vbr.credential": {Field: "description", Value: "Linux service account (renamed)",
		Drift: "addToSudoers", DriftValue: true, Settable: true},
	"vbr.cloud_credential": {Field: "accessKey", Value: "AKIAI44QH8DHBEXAMPLE",
		Drift: "lastModified", DriftValue: "2026-01-02T03:04:05Z"},
	"vbr.encryption_password": {Field: "uniqueId", Value: "ep-2027-b",
		Drift: "isImported", DriftValue: true},
	"vbr.kms_server": {Field: "port", Value: 5697,
		Drift: "clientCertificateThumbprint", DriftValue: "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C"},
	"vbr.managed_server": {Field: "description", Value: "Linux repository server (rack 2)",
		Drift: "sshSettings.sshTimeOutMs", DriftValue: 40000, Settable: true,
		Names: map[string]string{"1.3-rev1": "linux-repo01.tech.local", "1.3-rev2": "linux-repo02.tech.local"}},
	"vbr.proxy": {Field: "description", Value: "File proxy",
		Drift: "server.hostName", DriftValue: "linux01", Settable: true},
	"vbr.mount_server": {Field: "settings.writeCacheFolder", Value: "/var/cache/veeam/IRCache/",
		Drift: "isDefault", DriftValue: true,
		Names: map[string]string{"1.3-rev1": "linux01.tech.local", "1.3-rev2": "linux02.tech.local"}},
	"vbr.protection_group": {Field: "description", Value: "Linux servers, agents managed by VBR",
		Drift: "isDisabled", DriftValue: true,
		Names: map[string]string{"1.3-rev1": "Linux web servers", "1.3-rev2": "Linux web servers 2"}},
	"vbr.job": {Field: "description", Value: "Nightly backup of the Linux servers",
		Drift: "isHighPriority", DriftValue: true, Settable: true},
	"vbr.unstructured_data_server": {Field: "processing.backupIOControlLevel", Value: "High",
		Drift: "advancedSettings.directBackupFailoverEnabled", DriftValue: true},
	"vbr.entra_id_tenant": {Field: "description", Value: "Corporate tenant (prod)",
		Drift: "cacheRepositoryId", DriftValue: "00000000-0000-4000-8000-0000000000c1"},
	"vbr.global_vm_exclusion": {Field: "vmObject.objectId", Value: "vm-2048",
		Drift: "note", DriftValue: "changed on the server"},
	"vbr.ad_domain": {Field: "port", Value: 636}, // the example declares every field of the model
	"vbr.user": {Field: "isServiceAccount", Value: true,
		Drift: "mfaEnabled", DriftValue: true},
	"vbr.role": {Field: "description", Value: "Restore only, all scopes",
		Drift: "isBuiltIn", DriftValue: true},
	"vbr.general_options": {Field: "notifications.storageSpaceThreshold", Value: 15,
		Drift: "emailSettings.advancedSmtpOptions.SSLEnabled", DriftValue: true, Settable: true},
	"vbr.email_settings": {Field: "smtpServerName", Value: "smtp2.tech.local",
		Drift: "advancedSmtpOptions.SSLEnabled", DriftValue: true, Settable: true},
	"vbr.notifications": {Field: "storageSpaceThreshold", Value: 20,
		Drift: "datastoreSpaceThreshold", DriftValue: 12, Settable: true},
	"vbr.event_forwarding": {Field: "syslogServer.port", Value: 1514,
		Drift: "syslogServer.certificateThumbprint", DriftValue: "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C", Settable: true},
	"vbr.storage_latency": {Field: "storageLatencyControlOptions.latencyLimitMs", Value: 25,
		Drift: "storageLatencyControlOptions.throttlingIOLimitMs", DriftValue: 33, Settable: true},
	"vbr.traffic_rules": {Field: "uploadStreamsCount", Value: 7,
		Drift: "preferredNetworks.isEnabled", DriftValue: false, Settable: true},
	"vbr.config_backup": {Field: "restorePointsToKeep", Value: 14,
		Drift: "encryption.isEnabled", DriftValue: false, Settable: true},
	"vbr.security_settings": {Field: "mfaEnabled", Value: false}, // the model has no other field
	"vbr.security_analyzer_schedule": {Field: "sendScanResults", Value: false,
		Drift: "recipients", DriftValue: "secops@tech.local", Settable: true},
	// Hand-written kinds: their catalogue examples name a host, extents and
	// backups the simulator does not have, so the cases carry examples
	// built on its seed (linux01.tech.local, Linux Backup Repository, the
	// agent backups).
	"vbr.repository": {Path: "/api/v1/backupInfrastructure/repositories",
		Field: "repository.maxTaskCount", Value: 8,
		Drift: "repository.readWriteRate", DriftValue: 50, Settable: true,
		Example: `resources:
  - kind: vbr.repository
    target: vbr
    name: repo-kind
    spec:
      type: LinuxLocal
      description: Managed by vplay
      hostId: 3251ddfc-3691-4d20-a43e-860dc275147e
      repository:
        path: /backups/kind
        maxTaskCount: 4
      mountServer:
        mountServerSettingsType: Linux
        linux:
          mountServerId: 3251ddfc-3691-4d20-a43e-860dc275147e
          writeCacheFolder: /var/lib/veeam/cache
          vPowerNFSEnabled: false
`},
	"vbr.scale_out_repository": {Path: "/api/v1/backupInfrastructure/scaleOutRepositories",
		Field: "description", Value: "Scale-out repository (Amsterdam)",
		Drift: "placementPolicy.enforceStrictPlacementPolicy", DriftValue: true, Settable: true,
		Example: `resources:
  - kind: vbr.scale_out_repository
    target: vbr
    name: sobr-kind
    spec:
      description: Scale-out repository managed by vplay
      performanceTier:
        performanceExtents: [{name: Linux Backup Repository}]
      placementPolicy: {type: DataLocality}
`},
	// The vendor model of a token has one field the playbook cannot
	// declare: the token value, which vplay strips from live documents.
	"vbr.recovery_token": {Path: "/api/v1/agents/recoveryTokens",
		Field: "expirationDate", Value: "2031-06-30T10:00:00Z",
		Drift: "recoveryToken", DriftValue: "ZZZ-999-ZZZ-999",
		Example: `resources:
  - kind: vbr.recovery_token
    target: vbr
    name: dr-token-kind
    spec:
      backups: [Linux Agent Backup - linux-web01]
      expirationDate: "2030-01-31T00:00:00Z"
    options:
      token_file: ./dr-token.txt
`},
}
