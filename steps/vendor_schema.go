package steps

import (
	"slices"

	"github.com/vplay-dev/vplay/veeam/openapi"
)

// This file adapts the vendor's request schemas (from the VBR OpenAPI
// document, package veeam/openapi) to the shape a playbook writes them in.

// vendorRev is the VBR revision whose schemas validate playbook specs.
const vendorRev = "1.3-rev0"

// relaxIdentity adapts a vendor Spec schema to a playbook spec: the
// resource's `name` supplies the vendor `name`, so it is removed from
// properties and required; `description` becomes optional (vplay sends ""
// when it is absent, as the vendor requires it); the rev0 RepositorySpec's
// `isDisabled`, required but never defined (a vendor spec bug), is dropped;
// and optional lists keys the vendor requires in rev0 but no longer in rev2
// (mountServer). It applies to every base schema, found as a node whose
// properties hold both name and type: the root, each $defs entry and the
// allOf members of those (the converted vendor document repeats the base in
// every variant).
func relaxIdentity(s map[string]any, optional ...string) map[string]any {
	drop := append([]string{"name", "description", "isDisabled"}, optional...)
	var relax func(m map[string]any)
	relax = func(m map[string]any) {
		if m == nil {
			return
		}
		for _, b := range asList(m["allOf"]) {
			bm, _ := asMap(b)
			relax(bm)
		}
		props, _ := asMap(m["properties"])
		_, hasName := props["name"]
		_, hasType := props["type"]
		base := hasName && hasType
		if base {
			delete(props, "name")
		}
		req := asList(m["required"])
		if req == nil {
			return
		}
		var keep []any
		for _, r := range req {
			rs, _ := r.(string)
			if slices.Contains(drop, rs) && (base || slices.Contains(optional, rs)) {
				continue
			}
			keep = append(keep, r)
		}
		if len(keep) == 0 {
			delete(m, "required")
		} else {
			m["required"] = keep
		}
	}
	relax(s)
	for _, key := range []string{"$defs", "definitions"} {
		defs, _ := asMap(s[key])
		for _, d := range defs {
			dm, _ := asMap(d)
			relax(dm)
		}
	}
	return s
}

// repositoryTypes are the ERepositoryType values a RepositorySpec accepts in
// rev0 (the creatable ones).
var repositoryTypes = []string{
	"WinLocal", "LinuxLocal", "Smb", "Nfs", "AzureBlob", "AzureDataBox", "AmazonS3", "AmazonSnowballEdge",
	"S3Compatible", "GoogleCloud", "IBMCloud", "AmazonS3Glacier", "AzureArchive", "WasabiCloud",
	"LinuxHardened", "VeeamDataCloudVault",
}

// handRepositorySpec is a minimal RepositorySpec written by hand from the
// vendor document, used only when the embedded vendor schema cannot be
// produced: the base fields with their vendor requirements and the
// per-type required settings (section 1.7 of the API reference).
func handRepositorySpec() map[string]any {
	open := func(doc string) map[string]any { return map[string]any{"type": "object", "description": doc} }
	s := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"name":             prop("string", "Name of the backup repository."),
			"description":      prop("string", "Description of the backup repository."),
			"type":             enumProp("Repository type (the vendor ERepositoryType).", repositoryTypes...),
			"uniqueId":         prop("string", "Unique ID that identifies the backup repository."),
			"importBackup":     prop("boolean", "Search the repository for existing backups and import them."),
			"importIndex":      prop("boolean", "Import the guest OS file system index."),
			"hostId":           map[string]any{"type": "string", "format": "uuid", "description": "ID of the managed server used as the repository."},
			"repository":       open("Repository settings: path, task and read/write limits, advanced settings."),
			"mountServer":      open("Mount server settings."),
			"share":            open("Share settings (Smb and Nfs): sharePath, credentialsId, gatewayServer."),
			"account":          open("Object storage account."),
			"bucket":           open("Object storage bucket."),
			"container":        open("Azure container."),
			"proxyAppliance":   open("Proxy appliance."),
			"taskLimitEnabled": prop("boolean", "Limit concurrent tasks."),
			"maxTaskCount":     prop("integer", "Maximum number of concurrent tasks."),
		},
		"required": []any{"name", "description", "type"},
	}
	need := func(typ string, keys ...string) any {
		return map[string]any{
			"if":   map[string]any{"properties": map[string]any{"type": map[string]any{"const": typ}}, "required": []any{"type"}},
			"then": map[string]any{"required": keys},
		}
	}
	s["allOf"] = []any{
		need("WinLocal", "hostId", "repository"),
		need("LinuxLocal", "hostId", "repository"),
		need("LinuxHardened", "hostId", "repository"),
		need("Smb", "share", "repository"),
		need("Nfs", "share", "repository"),
		need("AmazonS3", "account", "bucket"),
		need("S3Compatible", "account", "bucket"),
		need("AzureBlob", "account", "container"),
	}
	return s
}

// vendorSchema returns the vendor component schema name of vendorRev as a
// JSON Schema, or fallback's hand-written equivalent when the embedded
// vendor document cannot produce it.
func vendorSchema(name string, fallback func() map[string]any) map[string]any {
	s, err := openapi.JSONSchema(vendorRev, name)
	if err != nil {
		s = fallback()
	}
	return jsonSchema(s)
}

// withID gives a schema an absolute $id, so the "#/$defs/..." references
// inside it keep resolving when the playbook schema embeds it.
func withID(entry string, s map[string]any) map[string]any {
	s["$id"] = "https://vplay.dev/schema/steps/" + entry + ".json"
	return s
}
