// Package trim cuts a vendor VBR OpenAPI document down to the operations
// vplay uses. It is the engine of veeam/openapi/gen and of the staleness test
// that proves the embedded copies match the vendor files; it does not load or
// validate documents (veeam/openapi does that).
package trim

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Paths lists the vendor paths vplay needs, with all their methods. A path a
// revision does not define is skipped.
var Paths = []string{
	"/api/oauth2/token",
	"/api/oauth2/logout",
	"/api/v1/serverInfo",
	"/api/v1/serverTime",
	"/api/v1/sessions",
	"/api/v1/sessions/{id}",
	"/api/v1/sessions/{id}/logs",
	"/api/v1/sessions/{id}/stop",
	"/api/v1/backupInfrastructure/managedServers",
	"/api/v1/backupInfrastructure/managedServers/{id}",
	"/api/v1/backupInfrastructure/repositories",
	"/api/v1/backupInfrastructure/repositories/{id}",
	"/api/v1/backupInfrastructure/repositories/rescan",
	"/api/v1/backupInfrastructure/repositories/states",
	"/api/v1/backupInfrastructure/scaleOutRepositories",
	"/api/v1/backupInfrastructure/scaleOutRepositories/{id}",
	"/api/v1/backupInfrastructure/scaleOutRepositories/{id}/enableSealedMode",
	"/api/v1/backupInfrastructure/scaleOutRepositories/{id}/disableSealedMode",
	"/api/v1/backupInfrastructure/scaleOutRepositories/{id}/enableMaintenanceMode",
	"/api/v1/backupInfrastructure/scaleOutRepositories/{id}/disableMaintenanceMode",
	"/api/v1/agents/recoveryTokens",
	"/api/v1/agents/recoveryTokens/{id}",
	"/api/v1/agents/protectionGroups",
	"/api/v1/agents/protectionGroups/{id}",
	"/api/v1/agents/protectionGroups/{id}/rescan",
	"/api/v1/agents/protectionGroups/{id}/enable",
	"/api/v1/agents/protectionGroups/{id}/disable",
	"/api/v1/agents/protectionGroups/{id}/discoveredEntities",
	"/api/v1/agents/protectionGroups/{id}/discoveredEntities/{entityId}",
	"/api/v1/agents/protectionGroups/{id}/discoveredEntities/rescan",
	"/api/v1/agents/protectionGroups/{id}/discoveredEntities/installAgent",
	"/api/v1/agents/protectionGroups/{id}/discoveredEntities/uninstallAgent",
	"/api/v1/agents/protectionGroups/{id}/discoveredEntities/uninstallAllComponents",
	"/api/v1/agents/protectedComputers",
	"/api/v1/agents/protectedComputers/{id}",
	"/api/v1/backups",
	"/api/v1/backups/{id}",
}

// RolesExtension is the operation extension the trimmer adds: the built-in
// roles the operation's description lists after "Available to", without the
// "Veeam " prefix rev0 uses, or ["*"] when any authenticated user may call
// it. The descriptions themselves are stripped, so this keeps the one fact
// in them the simulator needs to answer 403 the vendor's way.
const RolesExtension = "x-vplay-roles"

// dropKeys are prose and sample keys removed wherever they name a field of
// an OpenAPI object (never where they name a schema property).
var dropKeys = map[string]bool{
	"description":  true,
	"summary":      true,
	"title":        true,
	"example":      true,
	"examples":     true,
	"externalDocs": true,
	"contact":      true,
}

// keepExtensions are the only vendor x- extensions kept. x-veeam-authorize
// carries the claims an operation needs. Dropped: x-codeSamples,
// x-enumDescriptions and x-displayName (prose), x-veeam-prev-version (the
// previous revision's name) and x-veeam-spec (a $ref from query parameters
// to the filter model they are built from; no validator reads it and keeping
// it would pull in dozens of unused schemas).
var keepExtensions = map[string]bool{
	"x-veeam-authorize": true,
	RolesExtension:      true,
}

// nameMapKeys are the fields whose value maps user-chosen names (property
// names, paths, status codes, media types, component names) to objects.
// Their keys are never stripped.
var nameMapKeys = map[string]bool{
	"properties":        true,
	"patternProperties": true,
	"paths":             true,
	"responses":         true,
	"content":           true,
	"headers":           true,
	"encoding":          true,
	"schemas":           true,
	"parameters":        true,
	"requestBodies":     true,
	"securitySchemes":   true,
	"links":             true,
	"callbacks":         true,
	"variables":         true,
}

// verbatimKeys hold data rather than OpenAPI objects and are copied as is.
var verbatimKeys = map[string]bool{
	"enum":              true,
	"default":           true,
	"required":          true,
	"const":             true,
	"mapping":           true,
	"security":          true,
	"tags":              true,
	"x-veeam-authorize": true,
}

var methods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// Trim reads a vendor document and returns the trimmed one: the operations
// in Paths, every component they reference transitively, no prose, keys
// sorted and indented.
func Trim(src []byte) ([]byte, error) { return trimDoc(src, false) }

// Full reads a vendor document and returns its full model: every path and
// operation, every component they reference, with the roles extension, the
// same schema fix-ups as Trim and the vendor examples kept (the simulator
// builds plausible objects from them), but no prose. Keys are sorted and
// not indented.
func Full(src []byte) ([]byte, error) { return trimDoc(src, true) }

func trimDoc(src []byte, full bool) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var in map[string]any
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("decode vendor document: %w", err)
	}
	info, _ := in["info"].(map[string]any)
	srcPaths, _ := in["paths"].(map[string]any)
	srcComps, _ := in["components"].(map[string]any)
	if info == nil || srcPaths == nil || srcComps == nil {
		return nil, fmt.Errorf("vendor document lacks info, paths or components")
	}

	paths := map[string]any{}
	tags := map[string]bool{}
	keep := Paths
	if full {
		keep = sortedKeys(srcPaths)
	}
	for _, p := range keep {
		item, ok := srcPaths[p].(map[string]any)
		if !ok {
			continue
		}
		for _, m := range methods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			desc, _ := op["description"].(string)
			op[RolesExtension] = roles(desc)
			for _, t := range asSlice(op["tags"]) {
				if s, ok := t.(string); ok {
					tags[s] = true
				}
			}
		}
		paths[p] = cleanKeep(item, object, full)
	}

	comps := map[string]any{}
	if ss, ok := srcComps["securitySchemes"]; ok {
		comps["securitySchemes"] = clean(ss, names)
	}
	if err := collect(paths, srcComps, comps, full); err != nil {
		return nil, err
	}
	if schemas, ok := comps["schemas"].(map[string]any); ok {
		dropUndefinedRequired(schemas)
		inlineDiscriminatorBases(schemas)
		fixFormats(schemas)
		lowercaseGrantTypes(schemas)
		if info["version"] == "1.3-rev0" {
			acceptFlatMountServer(schemas)
		}
	}

	out := map[string]any{
		"openapi": in["openapi"],
		"info": map[string]any{
			"title":   info["title"],
			"version": info["version"],
		},
		// servers is dropped on purpose: rev0 names https://example.com:9419
		// and routers match request hosts against it, while vplay talks to
		// real servers and the simulator on any host and port.
		"paths":      paths,
		"components": comps,
	}
	if sec, ok := in["security"]; ok {
		out["security"] = sec
	}
	if len(tags) > 0 {
		var list []any
		for _, t := range sortedKeys(tags) {
			list = append(list, map[string]any{"name": t})
		}
		out["tags"] = list
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if !full {
		enc.SetIndent("", " ")
	}
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode trimmed document: %w", err)
	}
	return buf.Bytes(), nil
}

// mode says what kind of JSON value clean is looking at.
type mode int

const (
	object    mode = iota // an OpenAPI object: its keys are fields
	names                 // a map from names (properties, status codes) to objects
	responses             // a map from status codes to response objects
	response              // a response object
)

// clean deep-copies n without prose keys and unknown extensions.
func clean(n any, m mode) any { return cleanKeep(n, m, false) }

// cleanKeep is clean; with examples set, sample values (example, examples
// and the value of an Example object) are kept as data, for the full model.
func cleanKeep(n any, m mode, examples bool) any {
	switch n := n.(type) {
	case map[string]any:
		out := make(map[string]any, len(n))
		for k, v := range n {
			switch {
			case m == names:
				out[k] = cleanKeep(v, object, examples)
			case m == responses:
				out[k] = cleanKeep(v, response, examples)
			case examples && (k == "example" || k == "value"):
				out[k] = v
			case examples && k == "examples":
				out[k] = cleanKeep(v, names, examples)
			case dropKeys[k] || (strings.HasPrefix(k, "x-") && !keepExtensions[k]):
			case verbatimKeys[k]:
				out[k] = v
			default:
				child := object
				if _, isMap := v.(map[string]any); isMap && nameMapKeys[k] {
					child = names
					if k == "responses" {
						child = responses
					}
				}
				out[k] = cleanKeep(v, child, examples)
			}
		}
		if _, isRef := n["$ref"]; m == response && !isRef {
			// OpenAPI requires a description on every response and
			// kin-openapi enforces it: keep the field, drop the prose.
			out["description"] = ""
		}
		return out
	case []any:
		out := make([]any, len(n))
		for i, v := range n {
			out[i] = cleanKeep(v, object, examples)
		}
		return out
	default:
		return n
	}
}

const refPrefix = "#/components/"

// collect copies into comps every component reachable from root through
// $ref values and discriminator mappings, cleaning each one.
func collect(root any, src, comps map[string]any, examples bool) error {
	seen := map[string]bool{}
	queue := refs(root, nil)
	for i := 0; i < len(queue); i++ {
		ref := queue[i]
		if seen[ref] {
			continue
		}
		seen[ref] = true
		kind, name, ok := strings.Cut(strings.TrimPrefix(ref, refPrefix), "/")
		if !strings.HasPrefix(ref, refPrefix) || !ok {
			return fmt.Errorf("unsupported reference %q", ref)
		}
		group, _ := src[kind].(map[string]any)
		v, ok := group[name]
		if !ok {
			return fmt.Errorf("dangling reference %q", ref)
		}
		cm := object
		if kind == "responses" {
			cm = response
		}
		c := cleanKeep(v, cm, examples)
		dst, _ := comps[kind].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			comps[kind] = dst
		}
		dst[name] = c
		queue = refs(c, queue)
	}
	return nil
}

// refs appends to acc every reference inside n.
func refs(n any, acc []string) []string {
	switch n := n.(type) {
	case map[string]any:
		for _, k := range sortedKeys(n) {
			v := n[k]
			switch {
			case k == "$ref":
				if s, ok := v.(string); ok {
					acc = append(acc, s)
				}
			case k == "mapping":
				if m, ok := v.(map[string]any); ok {
					for _, mk := range sortedKeys(m) {
						if s, ok := m[mk].(string); ok {
							acc = append(acc, s)
						}
					}
				}
			default:
				acc = refs(v, acc)
			}
		}
	case []any:
		for _, v := range n {
			acc = refs(v, acc)
		}
	}
	return acc
}

// inlineDiscriminatorBases breaks the vendor's parent/child cycles.
//
// The vendor models polymorphic bodies as a parent P with properties, a
// discriminator and oneOf children, where every child is allOf [P, own
// fields]. Validating P then reaches P again through the child, a cycle:
// kin-openapi cuts it by treating the re-entered P as valid, which works but
// hides that the child's view of P is skipped, and a JSON Schema validator
// (santhosh-tekuri/jsonschema, used on playbook specs) rejects it as an
// infinite loop. The rewrite replaces, inside each child's allOf, the $ref
// to P by an inline copy of P's own part (P without oneOf/anyOf and
// discriminator). Validation of P is unchanged (its own part, then the one
// child the discriminator selects), and a child validated on its own still
// checks the parent's fields.
func inlineDiscriminatorBases(schemas map[string]any) {
	for _, pname := range sortedKeys(schemas) {
		p, _ := schemas[pname].(map[string]any)
		if p == nil || p["discriminator"] == nil {
			continue
		}
		base := map[string]any{}
		for k, v := range p {
			switch k {
			case "oneOf", "anyOf", "discriminator":
			default:
				base[k] = v
			}
		}
		self := refPrefix + "schemas/" + pname
		children := append(asSlice(p["oneOf"]), asSlice(p["anyOf"])...)
		if d, ok := p["discriminator"].(map[string]any); ok {
			if m, ok := d["mapping"].(map[string]any); ok {
				for _, k := range sortedKeys(m) {
					children = append(children, map[string]any{"$ref": m[k]})
				}
			}
		}
		for _, c := range children {
			ref, _ := c.(map[string]any)["$ref"].(string)
			cname, ok := strings.CutPrefix(ref, refPrefix+"schemas/")
			if !ok || cname == pname {
				continue
			}
			child, _ := schemas[cname].(map[string]any)
			for i, item := range asSlice(child["allOf"]) {
				if r, _ := item.(map[string]any)["$ref"].(string); r == self {
					child["allOf"].([]any)[i] = clean(base, object)
				}
			}
		}
	}
}

// fixFormats removes schema formats kin-openapi rejects as unknown when
// format validation is on (veeam/openapi loads with it on). The vendor
// writes the archive kind ("Zip", "Tar") and once "integer" in format; they
// carry no validation meaning. None of them sits under the paths kept
// today (the export operations hold them), so this guards path additions.
func fixFormats(n any) {
	switch n := n.(type) {
	case map[string]any:
		if f, ok := n["format"].(string); ok && !knownFormat(f) {
			if _, isSchemaField := n["type"]; isSchemaField {
				delete(n, "format")
			}
		}
		for _, v := range n {
			fixFormats(v)
		}
	case []any:
		for _, v := range n {
			fixFormats(v)
		}
	}
}

func knownFormat(f string) bool {
	return slices.Contains([]string{
		"int32", "int64", "float", "double", "byte", "binary", "date", "date-time",
		"password", "uuid", "uri", "time", "email", "hostname", "ipv4", "ipv6",
	}, f)
}

// dropUndefinedRequired removes from a discriminator parent's required list
// the names that neither the parent nor any of its children define. rev0's
// RepositorySpec requires "isDisabled", which no repository schema has and
// no vendor example sends (a spec bug noted in the vendor API reference,
// section 1.7); left in, every repository body would fail validation.
func dropUndefinedRequired(schemas map[string]any) {
	for _, name := range sortedKeys(schemas) {
		p, _ := schemas[name].(map[string]any)
		if p == nil || p["discriminator"] == nil {
			continue
		}
		defined := map[string]bool{}
		var define func(s any, depth int)
		define = func(s any, depth int) {
			m, _ := s.(map[string]any)
			if m == nil || depth > 8 {
				return
			}
			if r, ok := m["$ref"].(string); ok {
				define(schemas[strings.TrimPrefix(r, refPrefix+"schemas/")], depth+1)
			}
			if props, ok := m["properties"].(map[string]any); ok {
				for k := range props {
					defined[k] = true
				}
			}
			for _, k := range []string{"allOf", "oneOf", "anyOf"} {
				for _, item := range asSlice(m[k]) {
					define(item, depth+1)
				}
			}
		}
		define(p, 0)
		var kept []any
		for _, r := range asSlice(p["required"]) {
			if s, _ := r.(string); defined[s] {
				kept = append(kept, r)
			}
		}
		if len(kept) != len(asSlice(p["required"])) {
			p["required"] = kept
		}
	}
}

// lowercaseGrantTypes adds the lower-case spelling of each ELoginGrantType
// value when the enum lacks it. rev2 capitalises the enum ("Password",
// "Refresh_token") while its own prose and examples, and every client, send
// "password" and "refresh_token"; the README tells the simulator to accept
// any case, so the token request must not fail validation on it.
func lowercaseGrantTypes(schemas map[string]any) {
	s, _ := schemas["ELoginGrantType"].(map[string]any)
	if s == nil {
		return
	}
	enum := asSlice(s["enum"])
	have := map[string]bool{}
	for _, v := range enum {
		if str, ok := v.(string); ok {
			have[str] = true
		}
	}
	out := slices.Clone(enum)
	for _, v := range enum {
		if str, ok := v.(string); ok && !have[strings.ToLower(str)] {
			out = append(out, strings.ToLower(str))
			have[strings.ToLower(str)] = true
		}
	}
	s["enum"] = out
}

// acceptFlatMountServer lets rev0's MountServersSettingsModel also be the
// older flat MountServerSettingsModel ({mountServerId, writeCacheFolder,
// vPowerNFSEnabled, vPowerNFSPortSettings}). The rev0 schema requires the
// nested form ({mountServerSettingsType, windows, linux}) but every rev0
// example and the seed documentation send and return the flat one; the
// README (section 1.7) asks the simulator to accept both.
func acceptFlatMountServer(schemas map[string]any) {
	nested, _ := schemas["MountServersSettingsModel"].(map[string]any)
	if nested == nil || schemas["MountServerSettingsModel"] == nil {
		return
	}
	schemas["MountServersSettingsModel"] = map[string]any{
		"anyOf": []any{
			nested,
			map[string]any{"$ref": refPrefix + "schemas/MountServerSettingsModel"},
		},
	}
}

var availableTo = regexp.MustCompile(`Available to\*\*(?:&#58;|:)\s*(.*?)</p>`)

// roles extracts the role list from an operation description.
func roles(desc string) []any {
	m := availableTo.FindStringSubmatch(desc)
	if m == nil {
		return []any{}
	}
	text := m[1]
	if i := strings.Index(text, ". Also available"); i >= 0 {
		text = text[:i]
	}
	text = strings.TrimSuffix(strings.TrimSpace(text), ".")
	if strings.HasPrefix(text, "Anyone") || strings.HasPrefix(text, "All ") {
		return []any{"*"}
	}
	var out []any
	for _, r := range strings.Split(text, ",") {
		r = strings.TrimPrefix(strings.TrimSpace(r), "Veeam ")
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Gzip compresses b deterministically (no name, no time stamp), so
// generated files only change when their content does.
func Gzip(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
