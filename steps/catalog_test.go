package steps

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// wrongInput is, per entry, a spec/with/params block its schema must
// reject.
var wrongInput = map[string]string{
	"vbr.repository":           `{type: LinuxLocal, description: x, repository: {path: /b}}`, // no hostId
	"vbr.scale_out_repository": `{performanceTier: {performanceExtents: [{id: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10}]}}`,
	"vbr.recovery_token":       `{backups: [a]}`, // no expirationDate
	// Table-driven kinds: an unknown key, a wrong type or a missing
	// required field, each caught by the vendor schema.
	"vbr.credential":                 `{type: Linux, authenticationType: Password, SSHPort: twenty-two}`,
	"vbr.cloud_credential":           `{type: Amazon, accessKey: a}`, // no secretKey
	"vbr.encryption_password":        `{hint: h}`,                    // no password; hint is the name
	"vbr.kms_server":                 `{type: KMS, port: 5696}`,      // no certificates
	"vbr.managed_server":             `{type: LinuxHost, credentialsStorageType: Permanent, sshFingerprint: f, sshPort: 22}`,
	"vbr.proxy":                      `{type: GeneralPurposeProxy}`, // no server
	"vbr.mount_server":               `{settings: {vPowerNFSEnabled: "no"}}`,
	"vbr.protection_group":           `{type: IndividualComputers, computers: [{hostName: h}]}`,
	"vbr.job":                        `{type: LinuxAgentBackup, backupMode: Everything}`,
	"vbr.unstructured_data_server":   `{type: NFSShare}`,
	"vbr.entra_id_tenant":            `{creationMode: Sometimes}`,
	"vbr.global_vm_exclusion":        `{vm: scratch}`,
	"vbr.ad_domain":                  `{credentials: svc, port: "389"}`,
	"vbr.user":                       `{type: Robot, isServiceAccount: false, roles: []}`,
	"vbr.role":                       `{manageBackups: maybe, manageRestores: true}`,
	"vbr.general_options":            `{notificationEnabled: "yes"}`,
	"vbr.email_settings":             `{mailServer: Carrier-pigeon}`,
	"vbr.notifications":              `{storageSpaceThreshold: 500}`,
	"vbr.event_forwarding":           `{syslog: {serverName: s}}`,
	"vbr.storage_latency":            `{storageLatencyControlEnabled: 1}`,
	"vbr.traffic_rules":              `{uploadStreamsCount: many}`,
	"vbr.config_backup":              `{restorePointsToKeep: all}`,
	"vbr.security_settings":          `{mfa: true}`,
	"vbr.security_analyzer_schedule": `{dailyScanEnabled: sometimes}`,

	"vspc.backup_agent.restart":                         `{where: {}}`,
	"em.agent_job.retry":                                `{job: x}`,
	"vbr.repository.rescan":                             `{repositoryIds: a}`,
	"vbr.scale_out_repository.enable_sealed_mode":       `{extents: [a]}`,
	"vbr.scale_out_repository.disable_sealed_mode":      `{scaleOutRepository: ""}`,
	"vbr.scale_out_repository.enable_maintenance_mode":  `{scaleOutRepository: s, extents: a}`,
	"vbr.scale_out_repository.disable_maintenance_mode": `{scaleOutRepository: s, extent: [a]}`,
	"vbr.discovered_entity.rescan":                      `{protectionGroup: g}`,
	"vbr.discovered_entity.install_agent":               `{entities: [a]}`,
	"vbr.discovered_entity.uninstall_agent":             `{protectionGroup: g, entities: []}`,
	"vbr.discovered_entity.uninstall_all_components":    `{protectionGroup: 3, entities: [a]}`,
	"vbr.discovered_entity.remove":                      `{protectionGroup: g, where: []}`,
	"vbr.session.stop":                                  `{id: []}`,
	"http":                                              `{method: FETCH, path: /api}`,
	"wait":                                              `{query: vbr.sessions, until: x, timeout: soon}`,
	"assert":                                            `{message: m}`,
	"log":                                               `{message: m, level: loud}`,

	"vbr.managed_servers":        `{type: Toaster}`,
	"vbr.repositories":           `{hostid: x}`,
	"vbr.repository_states":      `{isOnline: "yes"}`,
	"vbr.scale_out_repositories": `{name: [a]}`,
	"vbr.recovery_tokens":        `{token: x}`,
	"vbr.protection_groups":      `{type: Everything}`,
	"vbr.discovered_entities":    `{agentStatus: Maybe}`,
	"vbr.protected_computers":    `{type: Linux}`,
	"vbr.sessions":               `{result: Great}`,
	"em.agent_jobs":              `{platform: AgentForBeOS}`,
	"vspc.backup_agents":         `{status: Sleeping}`,

	// The routine operations and the data queries of every VBR collection (h-import).
	"vbr.job.start":                           `{job: j, performActiveFull: "yes"}`,
	"vbr.job.stop":                            `{gracefulStop: true}`,
	"vbr.job.retry":                           `{job: ""}`,
	"vbr.job.enable":                          `{job: j, now: true}`,
	"vbr.job.disable":                         `{name: j}`,
	"vbr.managed_server.rescan":               `{server: s}`,
	"vbr.protection_group.rescan":             `{protectionGroup: [g]}`,
	"vbr.protection_group.enable":             `{}`,
	"vbr.protection_group.disable":            `{protectionGroup: g, force: true}`,
	"vbr.config_backup.start":                 `{repository: r}`,
	"vbr.credential.change_password":          `{credential: root}`,
	"vbr.encryption_password.change_password": `{encryptionPassword: k, password: ""}`,
	"vbr.kms_server.change_certificate":       `{kmsServer: k, type: Both, certificate: {certificate: x, formatType: Pfx}}`,
	"vbr.security_analyzer.start":             `{now: true}`,
	"vbr.credentials":                         `{username: root}`,
	"vbr.cloud_credentials":                   `{type: [], name: x}`,
	"vbr.encryption_passwords":                `{hint: 3}`,
	"vbr.kms_servers":                         `{name: [a, b]}`,
	"vbr.proxies":                             `{hostId: [a]}`,
	"vbr.mount_servers":                       `{isDefault: "yes"}`,
	"vbr.jobs":                                `{isDisabled: true}`,
	"vbr.job_states":                          `{lastResult: Great}`,
	"vbr.unstructured_data_servers":           `{path: /x}`,
	"vbr.entra_id_tenants":                    `{tenantId: x}`,
	"vbr.global_vm_exclusions":                `{name: x}`,
	"vbr.ad_domains":                          `{name: 1}`,
	"vbr.users":                               `{isServiceAccount: sometimes}`,
	"vbr.roles":                               `{role: x}`,
}

// entryBlock extracts the spec, with or params block of an entry's example.
func entryBlock(t *testing.T, example string) any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(example), &doc); err != nil {
		t.Fatalf("example does not parse: %v\n%s", err, example)
	}
	if l, ok := doc["resources"].([]any); ok && len(l) > 0 {
		return l[0].(map[string]any)["spec"]
	}
	if l, ok := doc["steps"].([]any); ok && len(l) > 0 {
		if w, ok := l[0].(map[string]any)["with"]; ok {
			return w
		}
		return map[string]any{} // an action that takes nothing
	}
	if m, ok := doc["data"].(map[string]any); ok {
		for _, q := range m {
			p := q.(map[string]any)["params"]
			if p == nil {
				p = map[string]any{}
			}
			return p
		}
	}
	t.Fatalf("example has no resources, steps or data:\n%s", example)
	return nil
}

// asJSON round-trips a YAML value into what encoding/json produces.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func compileSchema(t *testing.T, name string, s map[string]any) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	loc := "mem://steps/" + name + ".json"
	if err := c.AddResource(loc, asJSON(t, s)); err != nil {
		t.Fatalf("add schema: %v", err)
	}
	sch, err := c.Compile(loc)
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return sch
}

func TestCatalogEntries(t *testing.T) {
	t.Parallel()
	cat := Builtin()
	var metas []Meta
	for _, k := range cat.Kinds() {
		metas = append(metas, k.Meta)
	}
	for _, a := range cat.Actions() {
		metas = append(metas, a.Meta)
	}
	for _, q := range cat.Queries() {
		metas = append(metas, q.Meta)
	}
	seen := map[string]bool{}
	for _, m := range metas {
		seen[m.Name] = true
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			if m.Summary == "" || m.Doc == "" || m.Example == "" {
				t.Fatalf("Summary, Doc and Example must be set: %q %q %q", m.Summary, m.Doc, m.Example)
			}
			if api := APIOf(m.Name); api != m.API {
				t.Errorf("API = %q, name prefix says %q", m.API, api)
			}
			if !strings.Contains(m.Example, m.Name) {
				t.Errorf("example does not use %s", m.Name)
			}
			sch := compileSchema(t, m.Name, m.DocSchema())
			if err := sch.Validate(asJSON(t, entryBlock(t, m.Example))); err != nil {
				t.Errorf("example rejected by the schema: %v", err)
			}
			wrong, ok := wrongInput[m.Name]
			if !ok {
				t.Fatalf("no wrong input in the table for %s", m.Name)
			}
			var w any
			if err := yaml.Unmarshal([]byte(wrong), &w); err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(asJSON(t, w)); err == nil {
				t.Errorf("wrong input %s accepted", wrong)
			}
			if len(SchemaFields(m.DocSchema())) == 0 && m.Name != "vbr.scale_out_repositories" && m.Name != "vbr.recovery_tokens" && !takesNothing(m.DocSchema()) {
				t.Errorf("schema documents no fields")
			}
		})
	}
	for name := range wrongInput {
		if !seen[name] {
			t.Errorf("wrong-input table names %s, which is not in the catalogue", name)
		}
	}
}

func TestCatalogComplete(t *testing.T) {
	t.Parallel()
	want := []string{
		"assert", "em.agent_job.retry", "em.agent_jobs", "http", "log", "vbr.ad_domain", "vbr.ad_domains",
		"vbr.cloud_credential", "vbr.cloud_credentials", "vbr.config_backup", "vbr.config_backup.start", "vbr.credential",
		"vbr.credential.change_password", "vbr.credentials", "vbr.discovered_entities",
		"vbr.discovered_entity.install_agent", "vbr.discovered_entity.remove", "vbr.discovered_entity.rescan",
		"vbr.discovered_entity.uninstall_agent", "vbr.discovered_entity.uninstall_all_components", "vbr.email_settings",
		"vbr.encryption_password", "vbr.encryption_password.change_password", "vbr.encryption_passwords",
		"vbr.entra_id_tenant", "vbr.entra_id_tenants", "vbr.event_forwarding", "vbr.general_options",
		"vbr.global_vm_exclusion", "vbr.global_vm_exclusions", "vbr.job", "vbr.job.disable", "vbr.job.enable",
		"vbr.job.retry", "vbr.job.start", "vbr.job.stop", "vbr.job_states", "vbr.jobs", "vbr.kms_server",
		"vbr.kms_server.change_certificate", "vbr.kms_servers", "vbr.managed_server", "vbr.managed_server.rescan",
		"vbr.managed_servers", "vbr.mount_server", "vbr.mount_servers", "vbr.notifications", "vbr.protected_computers", "vbr.protection_group",
		"vbr.protection_group.disable", "vbr.protection_group.enable", "vbr.protection_group.rescan",
		"vbr.protection_groups", "vbr.proxies", "vbr.proxy", "vbr.recovery_token", "vbr.recovery_tokens",
		"vbr.repositories", "vbr.repository", "vbr.repository.rescan", "vbr.repository_states", "vbr.role", "vbr.roles",
		"vbr.scale_out_repositories", "vbr.scale_out_repository", "vbr.scale_out_repository.disable_maintenance_mode",
		"vbr.scale_out_repository.disable_sealed_mode", "vbr.scale_out_repository.enable_maintenance_mode",
		"vbr.scale_out_repository.enable_sealed_mode", "vbr.security_analyzer.start", "vbr.security_analyzer_schedule",
		"vbr.security_settings", "vbr.session.stop", "vbr.sessions", "vbr.storage_latency", "vbr.traffic_rules",
		"vbr.unstructured_data_server", "vbr.unstructured_data_servers", "vbr.user", "vbr.users",
		"vspc.backup_agent.restart", "vspc.backup_agents", "wait",
	}
	if diff := cmp.Diff(want, Builtin().Names()); diff != "" {
		t.Errorf("Builtin().Names() -want +got:\n%s", diff)
	}
	for _, a := range Builtin().Actions() {
		if a.Builtin != (a.Ops == nil) {
			t.Errorf("%s: Builtin %v but Ops %v", a.Name, a.Builtin, a.Ops)
		}
	}
}

func TestRepositorySchemaVendorRules(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t, "vbr.repository", Builtin().At("1.3-rev0").kinds["vbr.repository"].JSONSchema())
	tests := map[string]struct {
		spec string
		ok   bool
	}{
		"linux without description":                     {`{type: LinuxLocal, hostId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, repository: {path: /b}, mountServer: {mountServerSettingsType: windows, windows: {mountServerId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, writeCacheFolder: 'C:\c', vPowerNFSEnabled: true}}}`, true},
		"linux without mount server (rev0 requires it)": {`{type: LinuxLocal, hostId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, repository: {path: /b}}`, false},
		"windows local":                                 {`{type: WinLocal, hostId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, repository: {path: 'D:\b'}, mountServer: {mountServerSettingsType: windows, windows: {mountServerId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, writeCacheFolder: 'C:\c', vPowerNFSEnabled: true}}}`, true},
		"smb":                                           {`{type: Smb, share: {sharePath: '\\nas\b', credentialsId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10}, repository: {maxTaskCount: 2}, mountServer: {mountServerSettingsType: windows, windows: {mountServerId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, writeCacheFolder: 'C:\c', vPowerNFSEnabled: true}}}`, true},
		"nfs":                                           {`{type: Nfs, share: {sharePath: 'nas:/b'}, repository: {}, mountServer: {mountServerSettingsType: windows, windows: {mountServerId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, writeCacheFolder: 'C:\c', vPowerNFSEnabled: true}}}`, true},
		"s3 compatible":                                 {`{type: S3Compatible, account: {servicePoint: 'https://s3', regionId: r, credentialsId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10}, bucket: {bucketName: b, folderName: f}, mountServer: {mountServerSettingsType: windows, windows: {mountServerId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, writeCacheFolder: 'C:\c', vPowerNFSEnabled: true}}}`, true},
		"unknown type":                                  {`{type: Floppy, hostId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, repository: {path: /b}}`, false},
		"smb without share":                             {`{type: Smb, repository: {}}`, false},
		"wrong task count":                              {`{type: LinuxLocal, hostId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, repository: {path: /b, maxTaskCount: four}}`, false},
		"s3 without bucket":                             {`{type: S3Compatible, account: {servicePoint: 'https://s3', regionId: r, credentialsId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10}}`, false},
		"description not text":                          {`{type: Nfs, description: 3, share: {sharePath: 'nas:/b'}, repository: {}, mountServer: {mountServerSettingsType: windows, windows: {mountServerId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10, writeCacheFolder: 'C:\c', vPowerNFSEnabled: true}}}`, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var v any
			if err := yaml.Unmarshal([]byte(tc.spec), &v); err != nil {
				t.Fatal(err)
			}
			err := sch.Validate(asJSON(t, v))
			if got := err == nil; got != tc.ok {
				t.Errorf("valid = %v, want %v (%v)", got, tc.ok, err)
			}
		})
	}
}

func TestSchemaFields(t *testing.T) {
	t.Parallel()
	got := SchemaFields(Builtin().kinds["vbr.recovery_token"].JSONSchema())
	want := []Field{
		{Name: "backupIds", Type: "string[]", Doc: "IDs of the backups the token restores."},
		{Name: "backups", Type: "string[]", Doc: "Names of the backups the token restores (resolved to ids)."},
		{Name: "expirationDate", Type: "string", Required: true, Doc: "When the token expires (RFC 3339)."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SchemaFields -want +got:\n%s", diff)
	}
	repo := SchemaFields(Builtin().kinds["vbr.repository"].JSONSchema())
	names := fmt.Sprint(repo)
	for _, f := range []string{"hostId", "repository.path", "share.sharePath", "type"} {
		if !strings.Contains(names, "{"+f+" ") {
			t.Errorf("vbr.repository fields lack %s: %v", f, names)
		}
	}
	if strings.Contains(names, "{name ") {
		t.Errorf("vbr.repository fields still have name: %v", names)
	}
}

// takesNothing reports whether an entry's schema declares no field at all
// (vbr.config_backup.start, vbr.global_vm_exclusions).
func takesNothing(s map[string]any) bool {
	props, ok := s["properties"].(map[string]any)
	return ok && len(props) == 0
}
