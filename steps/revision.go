package steps

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/vplay-dev/vplay/veeam/openapi"
)

// This file is how entries follow the VBR API revision of their target: the
// schema of a spec, with block or params at one vendor document revision,
// and whether that revision defines the vendor operations an entry calls.

// ErrUndefined is returned by Defined for an entry that calls a vendor
// operation the revision's document does not define.
var ErrUndefined = errors.New("steps: not defined by this vbr api revision")

// vendorOperations are the vendor operations ("METHOD /path") each VBR
// entry calls; an entry is available at a revision whose document defines
// all of them. Operations every revision has (sessions, tokens) are left
// out.
var vendorOperations = map[string][]string{
	"vbr.repository": {"GET /api/v1/backupInfrastructure/repositories", "POST /api/v1/backupInfrastructure/repositories",
		"PUT /api/v1/backupInfrastructure/repositories/{id}", "DELETE /api/v1/backupInfrastructure/repositories/{id}"},
	"vbr.scale_out_repository": {"GET /api/v1/backupInfrastructure/scaleOutRepositories", "POST /api/v1/backupInfrastructure/scaleOutRepositories",
		"PUT /api/v1/backupInfrastructure/scaleOutRepositories/{id}", "DELETE /api/v1/backupInfrastructure/scaleOutRepositories/{id}"},
	"vbr.recovery_token": {"GET /api/v1/agents/recoveryTokens", "POST /api/v1/agents/recoveryTokens",
		"PUT /api/v1/agents/recoveryTokens/{id}", "DELETE /api/v1/agents/recoveryTokens/{id}", "GET /api/v1/backups"},
	"vbr.repository.rescan":                            {"POST /api/v1/backupInfrastructure/repositories/rescan"},
	"vbr.scale_out_repository.enable_sealed_mode":      {"POST /api/v1/backupInfrastructure/scaleOutRepositories/{id}/enableSealedMode"},
	"vbr.scale_out_repository.disable_sealed_mode":     {"POST /api/v1/backupInfrastructure/scaleOutRepositories/{id}/disableSealedMode"},
	"vbr.scale_out_repository.enable_maintenance_mode": {"POST /api/v1/backupInfrastructure/scaleOutRepositories/{id}/enableMaintenanceMode"},
	"vbr.scale_out_repository.disable_maintenance_mode": {
		"POST /api/v1/backupInfrastructure/scaleOutRepositories/{id}/disableMaintenanceMode"},
	"vbr.discovered_entity.rescan":                   {"POST /api/v1/agents/protectionGroups/{id}/discoveredEntities/rescan"},
	"vbr.discovered_entity.install_agent":            {"POST /api/v1/agents/protectionGroups/{id}/discoveredEntities/installAgent"},
	"vbr.discovered_entity.uninstall_agent":          {"POST /api/v1/agents/protectionGroups/{id}/discoveredEntities/uninstallAgent"},
	"vbr.discovered_entity.uninstall_all_components": {"POST /api/v1/agents/protectionGroups/{id}/discoveredEntities/uninstallAllComponents"},
	"vbr.discovered_entity.remove":                   {"DELETE /api/v1/agents/protectionGroups/{id}/discoveredEntities/{entityId}"},
	"vbr.session.stop":                               {"POST /api/v1/sessions/{id}/stop"},
	"vbr.managed_servers":                            {"GET /api/v1/backupInfrastructure/managedServers"},
	"vbr.repositories":                               {"GET /api/v1/backupInfrastructure/repositories"},
	"vbr.repository_states":                          {"GET /api/v1/backupInfrastructure/repositories/states"},
	"vbr.scale_out_repositories":                     {"GET /api/v1/backupInfrastructure/scaleOutRepositories"},
	"vbr.recovery_tokens":                            {"GET /api/v1/agents/recoveryTokens"},
	"vbr.protection_groups":                          {"GET /api/v1/agents/protectionGroups"},
	"vbr.discovered_entities":                        {"GET /api/v1/agents/protectionGroups/{id}/discoveredEntities"},
	"vbr.protected_computers":                        {"GET /api/v1/agents/protectedComputers"},
	"vbr.sessions":                                   {"GET /api/v1/sessions"},
	// The routine operations (h-import).
	"vbr.job.start":                           {"GET /api/v1/jobs", "GET /api/v1/jobs/states", "POST /api/v1/jobs/{id}/start"},
	"vbr.job.stop":                            {"GET /api/v1/jobs", "GET /api/v1/jobs/states", "POST /api/v1/jobs/{id}/stop"},
	"vbr.job.retry":                           {"GET /api/v1/jobs", "GET /api/v1/jobs/states", "POST /api/v1/jobs/{id}/retry"},
	"vbr.job.enable":                          {"GET /api/v1/jobs", "POST /api/v1/jobs/{id}/enable"},
	"vbr.job.disable":                         {"GET /api/v1/jobs", "POST /api/v1/jobs/{id}/disable"},
	"vbr.managed_server.rescan":               {"GET /api/v1/backupInfrastructure/managedServers", "POST /api/v1/backupInfrastructure/managedServers/{id}/rescan"},
	"vbr.protection_group.rescan":             {"GET /api/v1/agents/protectionGroups", "POST /api/v1/agents/protectionGroups/{id}/rescan"},
	"vbr.protection_group.enable":             {"GET /api/v1/agents/protectionGroups", "POST /api/v1/agents/protectionGroups/{id}/enable"},
	"vbr.protection_group.disable":            {"GET /api/v1/agents/protectionGroups", "POST /api/v1/agents/protectionGroups/{id}/disable"},
	"vbr.config_backup.start":                 {"POST /api/v1/configBackup/backup"},
	"vbr.credential.change_password":          {"GET /api/v1/credentials", "POST /api/v1/credentials/{id}/changepassword"},
	"vbr.encryption_password.change_password": {"GET /api/v1/encryptionPasswords", "POST /api/v1/encryptionPasswords/{id}/changepassword"},
	"vbr.kms_server.change_certificate":       {"GET /api/v1/kmsServers", "POST /api/v1/kmsServers/{id}/changeCertificate"},
	"vbr.security_analyzer.start":             {"POST /api/v1/securityAnalyzer/start"},
	// The data queries of every VBR collection.
	"vbr.credentials":               {"GET /api/v1/credentials"},
	"vbr.cloud_credentials":         {"GET /api/v1/cloudCredentials"},
	"vbr.encryption_passwords":      {"GET /api/v1/encryptionPasswords"},
	"vbr.kms_servers":               {"GET /api/v1/kmsServers"},
	"vbr.proxies":                   {"GET /api/v1/backupInfrastructure/proxies"},
	"vbr.mount_servers":             {"GET /api/v1/backupInfrastructure/mountServers"},
	"vbr.jobs":                      {"GET /api/v1/jobs"},
	"vbr.job_states":                {"GET /api/v1/jobs/states"},
	"vbr.unstructured_data_servers": {"GET /api/v1/inventory/unstructuredDataServers"},
	"vbr.entra_id_tenants":          {"GET /api/v1/inventory/entraId/tenants"},
	"vbr.global_vm_exclusions":      {"GET /api/v1/globalExclusions/vm"},
	"vbr.ad_domains":                {"GET /api/v1/adDomains"},
	"vbr.users":                     {"GET /api/v1/security/users"},
	"vbr.roles":                     {"GET /api/v1/security/roles"},
}

// UndefinedError says which vendor operation of an entry a revision's
// document lacks. It wraps ErrUndefined.
type UndefinedError struct {
	Entry string
	// Op is the missing "METHOD /path".
	Op string
	// Since is the first document revision that has Op; "" when none.
	Since string
}

func (e *UndefinedError) Error() string {
	if e.Since == "" {
		return fmt.Sprintf("%s needs %s", e.Entry, e.Op)
	}
	return fmt.Sprintf("%s needs %s, which the vendor added in %s", e.Entry, e.Op, e.Since)
}

// Unwrap returns ErrUndefined.
func (e *UndefinedError) Unwrap() error { return ErrUndefined }

// Defined returns nil when VBR document revision doc defines every vendor
// operation entry calls, or an *UndefinedError naming the missing
// operation and the first revision that has it. Entries of other APIs, and
// entries vplay does not list, are defined everywhere.
func Defined(entry, doc string) error {
	ops := vendorOperations[entry]
	if len(ops) == 0 {
		ops = tableOperations(entry)
	}
	if len(ops) == 0 {
		return nil
	}
	have, err := documentOps(doc)
	if err != nil {
		return err
	}
	for _, op := range ops {
		if have[op] {
			continue
		}
		e := &UndefinedError{Entry: entry, Op: op}
		for _, rev := range openapi.Revisions {
			if h, err := documentOps(rev); err == nil && h[op] {
				e.Since = rev
				break
			}
		}
		return e
	}
	return nil
}

func documentOps(doc string) (map[string]bool, error) {
	if !slices.Contains(openapi.Revisions, doc) {
		return nil, fmt.Errorf("steps: unknown vbr document revision %q (known: %s)", doc, strings.Join(openapi.Revisions, ", "))
	}
	return openapi.Operations(doc)
}

// At returns the catalogue as seen by a target of VBR document revision
// doc (one of openapi.Revisions): the same entries, those whose schema
// follows the vendor document (Meta.SchemaAt) with that revision's schema. It is built once
// per catalogue and revision; an unknown revision returns c itself.
func (c *Catalog) At(doc string) *Catalog {
	if !slices.Contains(openapi.Revisions, doc) {
		return c
	}
	c.atMu.Lock()
	defer c.atMu.Unlock()
	if at, ok := c.at[doc]; ok {
		return at
	}
	kinds := atRevision(c.Kinds(), doc, func(k *Kind) *Meta { return &k.Meta })
	actions := atRevision(c.Actions(), doc, func(a *Action) *Meta { return &a.Meta })
	queries := atRevision(c.Queries(), doc, func(q *Query) *Meta { return &q.Meta })
	at := NewCatalog(kinds, actions, queries)
	if c.at == nil {
		c.at = map[string]*Catalog{}
	}
	c.at[doc] = at
	return at
}

// anyRevision is a schema accepting what the schema of any document
// revision accepts (one alternative per revision, each with its own $id),
// for editors and for specs whose revision is known only at plan time.
func anyRevision(entry string, at func(doc string) map[string]any) map[string]any {
	var alts []any
	for _, rev := range openapi.Revisions {
		s := at(rev)
		s["$id"] = "https://vplay.dev/schema/steps/" + entry + "@" + rev + ".json"
		s["title"] = entry + " at VBR REST " + rev
		alts = append(alts, s)
	}
	return map[string]any{"anyOf": alts, "description": "The schema of the target's VBR API revision: one alternative per revision."}
}

// atRevision returns entries with each revision-dependent schema replaced
// by its schema at doc; an entry whose schema does not depend on the
// revision is shared, one that does is copied.
func atRevision[T any](entries []*T, doc string, meta func(*T) *Meta) []*T {
	out := make([]*T, 0, len(entries))
	for _, e := range entries {
		if m := meta(e); m.SchemaAt != nil {
			cp := *e
			at := m.SchemaAt
			meta(&cp).Schema = nil
			meta(&cp).docFn = nil // the revision's schema is the one to document
			meta(&cp).schemaFn = sync.OnceValue(func() map[string]any { return at(doc) })
			e = &cp
		}
		out = append(out, e)
	}
	return out
}

// Focus returns c with the schema of every table-driven kind not named in
// kinds replaced by the placeholder that accepts any object: a playbook
// schema built from it checks the kinds a playbook uses exactly and costs
// nothing for the others (the job schema alone is 100 KB per revision).
// Every name stays known. It is built once per catalogue and set of kinds.
func (c *Catalog) Focus(kinds []string) *Catalog {
	want := map[string]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	key := strings.Join(keys, ",")
	c.atMu.Lock()
	defer c.atMu.Unlock()
	if f, ok := c.focus[key]; ok {
		return f
	}
	var out []*Kind
	for _, k := range c.Kinds() {
		if t, table := TableOf(k); table && !want[k.Name] {
			cp := *k
			cp.Schema, cp.schemaFn = tableAnyRevision(k.Name, t), nil
			k = &cp
		}
		out = append(out, k)
	}
	f := NewCatalog(out, c.Actions(), c.Queries())
	if c.focus == nil {
		c.focus = map[string]*Catalog{}
	}
	c.focus[key] = f
	return f
}

// tableAnyRevision is the any-revision schema of a table kind.
func tableAnyRevision(name string, t Table) map[string]any {
	var refs []vbrRef
	for _, r := range t.Refs {
		refs = append(refs, vbrRef{id: r.IDField, alias: r.Alias})
	}
	return anyRevisionObject(name, t.Path, t.Singleton, topField(t.SpecIdentity), refs)
}
