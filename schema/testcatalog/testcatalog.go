// Package testcatalog is a small stand-in for steps.Builtin: catalogue
// entries with the real names and JSON Schemas shaped like the real ones but
// no operations. The loader, schema and CLI tests use it so they do not
// depend on the live catalogue's details; it must never be used to run a
// playbook.
package testcatalog

import (
	"encoding/json"

	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// RepositoryTypes is the vendor ERepositoryType enum (VBR 1.3-rev0).
var RepositoryTypes = []string{"WinLocal", "LinuxLocal", "Smb", "Nfs", "AzureBlob", "AzureDataBox", "AzureArchive",
	"AmazonS3", "AmazonSnowballEdge", "AmazonS3Glacier", "S3Compatible", "GoogleCloud", "IBMCloud", "ExtendableRepository",
	"DDBoost", "ExaGrid", "HPStoreOnceIntegration", "Quantum", "WasabiCloud", "LinuxHardened", "Infinidat", "Fujitsu",
	"VeeamDataCloudVault", "S3GlacierCompatible", "SmartObjectS3", "Cloud", "HPStoreOnce", "Foreign", "SanSnapshotOnly",
	"Tape", "AmazonS3External", "AzureStorageExternal", "PlatformServiceExternal", "GoogleCloudStorageExternal",
	"PlatformServiceVmbApi", "AmazonS3GlacierExternal", "GoogleArchiveStorageExternal", "AzureArchiveStorageExternal",
	"HPStoreOnceCloudBank", "VeeamVault", "ElevenElevenS3", "AbrVirtual"}

// Catalog returns the stand-in catalogue.
func Catalog() *steps.Catalog {
	kinds := []*steps.Kind{
		{Meta: meta("vbr.repository", veeam.VBR, repositorySpec())},
		{Meta: meta("vbr.scale_out_repository", veeam.VBR, scaleOutSpec())},
		{Meta: meta("vbr.recovery_token", veeam.VBR, obj(map[string]any{
			"backups":        list(str()),
			"backupIds":      list(str()),
			"expirationDate": map[string]any{"type": "string", "format": "date-time"},
		}, "expirationDate"))},
		// A singleton settings object: read and replaced, never deleted.
		{Meta: meta("vbr.config_backup", veeam.VBR, obj(map[string]any{"isEnabled": map[string]any{"type": "boolean"}})), NoDelete: true},
	}
	names := list(map[string]any{"type": "string", "minLength": 1})
	sobrMode := obj(map[string]any{"scaleOutRepository": str(), "extents": names}, "scaleOutRepository")
	actions := []*steps.Action{
		{Meta: meta("vbr.repository.rescan", veeam.VBR, obj(map[string]any{"repositoryIds": list(str()), "names": names})), Risk: steps.RiskMaintenance},
		{Meta: meta("vbr.scale_out_repository.enable_maintenance_mode", veeam.VBR, sobrMode), Risk: steps.RiskDisruptive},
		{Meta: meta("vbr.scale_out_repository.disable_maintenance_mode", veeam.VBR, sobrMode), Risk: steps.RiskMaintenance},
		{Meta: meta("vbr.discovered_entity.install_agent", veeam.VBR, obj(map[string]any{
			"protectionGroup": str(), "entities": names, "where": map[string]any{"type": "object"},
		}, "protectionGroup")), Risk: steps.RiskMaintenance},
		{Meta: meta("em.agent_job.retry", veeam.EM, obj(map[string]any{"id": str(), "name": str()})), Risk: steps.RiskMaintenance},
		{Meta: meta("vspc.backup_agent.restart", veeam.VSPC, obj(map[string]any{"instanceUid": str(), "where": map[string]any{"type": "object"}})), Risk: steps.RiskDisruptive},
		{Meta: meta("log", "", obj(map[string]any{"message": str()}, "message")), Builtin: true},
		{Meta: meta("assert", "", obj(map[string]any{"that": map[string]any{"type": []any{"boolean", "string"}}, "message": str()}, "that")), Builtin: true},
		{Meta: meta("wait", "", obj(map[string]any{"query": str(), "params": map[string]any{"type": "object"}, "until": str(), "interval": str()}, "query", "until")), Builtin: true},
		{Meta: meta("http", "", obj(map[string]any{
			"method": map[string]any{"enum": []any{"GET", "POST", "PUT", "PATCH", "DELETE"}},
			"path":   str(), "query": map[string]any{"type": "object"}, "body": map[string]any{},
			"await": map[string]any{"enum": []any{"session", "task", "async_action", "none"}},
		}, "method", "path")), Risk: steps.RiskMaintenance, Builtin: true},
	}
	queries := []*steps.Query{
		{Meta: meta("vbr.managed_servers", veeam.VBR, obj(map[string]any{"nameFilter": str()}))},
		{Meta: meta("vbr.repositories", veeam.VBR, obj(map[string]any{"nameFilter": str()}))},
		{Meta: meta("vbr.discovered_entities", veeam.VBR, obj(map[string]any{"protectionGroup": str()}, "protectionGroup"))},
		{Meta: meta("em.agent_jobs", veeam.EM, obj(map[string]any{}))},
		{Meta: meta("vspc.backup_agents", veeam.VSPC, obj(map[string]any{}))},
	}
	return steps.NewCatalog(kinds, actions, queries)
}

func meta(name string, api veeam.API, schema map[string]any) steps.Meta {
	return steps.Meta{Name: name, API: api, Summary: "test entry " + name, Schema: normalize(schema)}
}

func str() map[string]any { return map[string]any{"type": "string"} }

func list(items map[string]any) map[string]any {
	return map[string]any{"type": "array", "items": items}
}

func obj(props map[string]any, required ...string) map[string]any {
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func repositorySpec() map[string]any {
	settings := obj(map[string]any{
		"path": str(), "maxTaskCount": map[string]any{"type": "integer", "minimum": 1},
		"taskLimitEnabled": map[string]any{"type": "boolean"}, "readWriteRate": map[string]any{"type": "integer"},
		"useFastCloningOnXFSVolumes": map[string]any{"type": "boolean"},
	})
	s := obj(map[string]any{
		"type":         map[string]any{"type": "string", "enum": RepositoryTypes},
		"description":  str(),
		"hostId":       map[string]any{"type": "string", "format": "uuid"},
		"repository":   settings,
		"share":        obj(map[string]any{"sharePath": str(), "credentialsId": str()}, "sharePath"),
		"mountServer":  map[string]any{"type": "object"},
		"importBackup": map[string]any{"type": "boolean"},
	}, "type")
	need := func(typ string, req ...string) any {
		return map[string]any{
			"if":   map[string]any{"properties": map[string]any{"type": map[string]any{"const": typ}}, "required": []any{"type"}},
			"then": map[string]any{"required": req},
		}
	}
	s["allOf"] = []any{need("WinLocal", "hostId", "repository"), need("LinuxLocal", "hostId", "repository"),
		need("Smb", "share"), need("Nfs", "share")}
	return s
}

func scaleOutSpec() map[string]any {
	byName := obj(map[string]any{"name": str()}, "name")
	window := obj(map[string]any{"days": list(obj(map[string]any{
		"day":   map[string]any{"enum": []any{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}},
		"hours": map[string]any{"type": "string", "pattern": "^[01]{24}$"},
	}, "day", "hours"))}, "days")
	return obj(map[string]any{
		"description":     str(),
		"performanceTier": obj(map[string]any{"performanceExtents": map[string]any{"type": "array", "minItems": 1, "items": byName}}, "performanceExtents"),
		"placementPolicy": obj(map[string]any{"type": map[string]any{"enum": []any{"DataLocality", "Performance"}}}, "type"),
		"capacityTier": obj(map[string]any{
			"isEnabled": map[string]any{"type": "boolean"}, "extents": list(byName), "offloadWindow": window,
			"movePolicyEnabled": map[string]any{"type": "boolean"}, "operationalRestorePeriodDays": map[string]any{"type": "integer", "minimum": 0},
		}, "isEnabled"),
	}, "performanceTier")
}

// normalize gives a schema literal the shape encoding/json produces.
func normalize(s map[string]any) map[string]any {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a broken literal in this file
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
