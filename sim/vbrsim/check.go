package vbrsim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// schema is a small description of a request body, enough to refuse what
// the vendor's model binding refuses: wrong types, missing required
// fields, values outside an enum. Unknown properties are ignored, as the
// vendor's JSON binding does (inferred).
type schema struct {
	t     string // object, string, uuid, datetime, bool, int, number, array, any
	req   []string
	props map[string]*schema
	items *schema
	enum  []string // case-insensitive
}

var (
	tString   = &schema{t: "string"}
	tUUID     = &schema{t: "uuid"}
	tDateTime = &schema{t: "datetime"}
	tBool     = &schema{t: "bool"}
	tInt      = &schema{t: "int"}
	tAny      = &schema{t: "any"}
)

func object(req []string, props map[string]*schema) *schema {
	return &schema{t: "object", req: req, props: props}
}

func arrayOf(items *schema) *schema { return &schema{t: "array", items: items} }

func enum(values ...string) *schema { return &schema{t: "string", enum: values} }

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// check validates v against s; the error names the field path.
func check(s *schema, v any, path string) error {
	if v == nil {
		if s.t == "any" {
			return nil
		}
		return fmt.Errorf("%s must not be null", orRoot(path))
	}
	switch s.t {
	case "any":
		return nil
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return typeErr(path, "an object", v)
		}
		for _, k := range s.req {
			if _, ok := m[k]; !ok {
				return fmt.Errorf("%s is required", join(path, k))
			}
		}
		keys := make([]string, 0, len(s.props))
		for k := range s.props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if e, ok := m[k]; ok {
				if err := check(s.props[k], e, join(path, k)); err != nil {
					return err
				}
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return typeErr(path, "an array", v)
		}
		for i, e := range arr {
			if err := check(s.items, e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case "string", "uuid", "datetime":
		str, ok := v.(string)
		if !ok {
			return typeErr(path, "a string", v)
		}
		if s.t == "uuid" && !uuidRE.MatchString(str) {
			return fmt.Errorf("%s must be a UUID, got %q", path, str)
		}
		if s.t == "datetime" {
			if _, err := parseTime(str); err != nil {
				return fmt.Errorf("%s must be a date-time, got %q", path, str)
			}
		}
		if len(s.enum) > 0 && !containsFold(s.enum, str) {
			return fmt.Errorf("%s must be one of %s, got %q", path, strings.Join(s.enum, ", "), str)
		}
	case "bool":
		if _, ok := v.(bool); !ok {
			return typeErr(path, "a boolean", v)
		}
	case "int", "number":
		want := "a number"
		if s.t == "int" {
			want = "an integer"
		}
		n, ok := v.(json.Number)
		if !ok {
			return typeErr(path, want, v)
		}
		if s.t == "int" {
			if _, err := n.Int64(); err != nil {
				return typeErr(path, "an integer", v)
			}
		}
	}
	return nil
}

func typeErr(path, want string, got any) error {
	kind := "a value"
	switch got.(type) {
	case string:
		kind = "a string"
	case bool:
		kind = "a boolean"
	case json.Number:
		kind = "a number"
	case []any:
		kind = "an array"
	case map[string]any:
		kind = "an object"
	}
	return fmt.Errorf("%s must be %s, got %s", orRoot(path), want, kind)
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func orRoot(path string) string {
	if path == "" {
		return "the body"
	}
	return path
}

// validate checks a decoded body and answers the vendor's 400 on mismatch.
func validate(s *schema, v any) *reply {
	if err := check(s, v, ""); err != nil {
		return badRequest("Unexpected content: " + err.Error() + ".")
	}
	return nil
}

// Schemas of the request bodies (vendor components, both revisions).
var (
	advancedSettings = object(nil, map[string]*schema{
		"alignDataBlocks": tBool, "decompressBeforeStoring": tBool, "rotatedDrives": tBool, "perVmBackup": tBool,
		"RotatedDriveCleanupMode": enum("Disabled", "ClearBackupFolder", "ClearRepositoryFolder"),
	})
	localRepoSettings = object([]string{"path"}, map[string]*schema{
		"path": tString, "taskLimitEnabled": tBool, "maxTaskCount": tInt, "readWriteLimitEnabled": tBool,
		"readWriteRate": tInt, "useFastCloningOnXFSVolumes": tBool, "enableGovernanceMode": tBool,
		"governanceModeRetentionDays": tInt, "makeRecentBackupsImmutableDays": tInt, "advancedSettings": advancedSettings,
	})
	networkRepoSettings = object(nil, map[string]*schema{
		"taskLimitEnabled": tBool, "maxTaskCount": tInt, "readWriteLimitEnabled": tBool,
		"readWriteRate": tInt, "advancedSettings": advancedSettings,
	})
	mountServerSettings = object([]string{"mountServerId", "writeCacheFolder", "vPowerNFSEnabled"}, map[string]*schema{
		"mountServerId": tUUID, "writeCacheFolder": tString, "vPowerNFSEnabled": tBool,
		"vPowerNFSPortSettings": object(nil, map[string]*schema{"mountPort": tInt, "vPowerNFSPort": tInt}),
	})
	// mountServers is the nested MountServersSettingsModel or the older
	// flat object of the rev0 examples; normalizeMountServer tells them apart.
	mountServers = object(nil, map[string]*schema{
		"mountServerSettingsType": enum("Windows", "Linux", "Both"),
		"windows":                 mountServerSettings, "linux": mountServerSettings,
		"mountServerId": tUUID, "writeCacheFolder": tString, "vPowerNFSEnabled": tBool,
	})
	gatewayServer = object([]string{"autoSelectEnabled"}, map[string]*schema{"autoSelectEnabled": tBool, "gatewayServerIds": arrayOf(tUUID)})
	importOptions = object(nil, map[string]*schema{"importBackup": tBool, "importIndex": tBool})

	repositoryTypes = []string{"WinLocal", "LinuxLocal", "Smb", "Nfs", "LinuxHardened", "AzureBlob", "AzureDataBox",
		"AzureArchive", "AmazonS3", "AmazonSnowballEdge", "AmazonS3Glacier", "S3Compatible", "GoogleCloud", "IBMCloud",
		"WasabiCloud", "VeeamDataCloudVault", "VeeamDataCloudVaultArchive", "DellDataDomain", "ExaGrid", "HPEStoreOnce",
		"QuantumDXi", "Infinidat", "Fujitsu"}

	idsSpec = func(field string) *schema {
		return object([]string{field}, map[string]*schema{field: arrayOf(tUUID)})
	}

	recoveryTokenSpec  = object([]string{"backupIds", "expirationDate"}, map[string]*schema{"backupIds": arrayOf(tUUID), "expirationDate": tDateTime})
	recoveryTokenModel = object([]string{"id", "name", "expirationDate"}, map[string]*schema{"id": tUUID, "name": tString, "expirationDate": tDateTime, "recoveryToken": tString})

	performanceTierSpec = object([]string{"performanceExtents"}, map[string]*schema{
		"performanceExtents": arrayOf(object([]string{"id"}, map[string]*schema{"id": tUUID, "name": tString, "status": arrayOf(tString)})),
		"advancedSettings":   object(nil, map[string]*schema{"perVmBackup": tBool, "fullWhenExtentOffline": tBool}),
	})
	placementPolicy = object([]string{"type"}, map[string]*schema{
		"type": enum("DataLocality", "Performance"),
		"settings": arrayOf(object([]string{"extentId", "allowedBackups"}, map[string]*schema{
			"name": tString, "extentId": tUUID, "allowedBackups": enum("All", "FullsOnly", "IncrementsOnly", "None"),
		})),
		"enforceStrictPlacementPolicy": tBool,
	})
	tierToggle = object([]string{"isEnabled"}, map[string]*schema{"isEnabled": tBool, "extents": tAny, "extentId": tUUID})
)

// repositorySchema is the RepositorySpec (model=false) or RepositoryModel
// (model=true) of one repository type.
// mountRequired is set for every revision before 1.3-rev2, where
// mountServer is required on local repositories.
func repositorySchema(typ string, model, mountRequired bool) *schema {
	base := map[string]*schema{
		"name": tString, "description": tString, "type": enum(repositoryTypes...), "uniqueId": tString,
		"importBackup": tBool, "importIndex": tBool, "importOptions": importOptions, "id": tUUID,
	}
	req := []string{"name", "description", "type"}
	if model {
		req = append(req, "id")
	}
	switch typ {
	case "WinLocal", "LinuxLocal", "LinuxHardened":
		base["hostId"] = tUUID
		base["repository"] = localRepoSettings
		base["mountServer"] = mountServers
		req = append(req, "hostId", "repository")
		if mountRequired && typ != "LinuxHardened" {
			req = append(req, "mountServer")
		}
	case "Smb", "Nfs":
		base["share"] = object([]string{"sharePath"}, map[string]*schema{"sharePath": tString, "credentialsId": tUUID, "gatewayServer": gatewayServer})
		base["repository"] = networkRepoSettings
		base["mountServer"] = mountServers
		req = append(req, "share", "repository")
	default:
		base["account"] = tAny
		base["bucket"] = tAny
		base["container"] = tAny
		base["mountServer"] = mountServers
		base["taskLimitEnabled"] = tBool
		base["maxTaskCount"] = tInt
	}
	return object(req, base)
}

func scaleOutSchema(model bool) *schema {
	req := []string{"name", "description", "performanceTier"}
	if model {
		req = append(req, "id")
	}
	return object(req, map[string]*schema{
		"id": tUUID, "name": tString, "description": tString, "uniqueId": tString,
		"performanceTier": performanceTierSpec, "placementPolicy": placementPolicy,
		"capacityTier": tierToggle, "archiveTier": tierToggle,
	})
}
