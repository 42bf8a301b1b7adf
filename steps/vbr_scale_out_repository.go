package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/openapi"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// vbrScaleOutRepository is the vbr.scale_out_repository kind. The playbook
// names extents by repository name; the vendor wants ids. Specs are
// translated both ways: names are resolved to ids before a write, and live
// documents get the names added back (and Normalize drops the ids and the
// server-filled status) so a plan compares names with names.
func vbrScaleOutRepository() *Kind {
	return &Kind{
		Meta: Meta{
			Name:    "vbr.scale_out_repository",
			API:     veeam.VBR,
			Summary: "A scale-out backup repository with performance extents named by repository name.",
			Doc: `A VBR scale-out backup repository (ScaleOutRepositorySpec), where every extent is written by repository
name: performanceTier.performanceExtents: [{name: repo-a}], placementPolicy.settings[].name, capacityTier.extents[].name
and archiveTier.extent. Names are resolved to ids by listing repositories before each write. The capacity tier takes
an offload window (days: [{day, hours}]) and encryption by reference: encryptionType ByUserPassword with
encryptionPasswordId, or ByKms with kmsServerId. Create and update await the Infrastructure session and read the
object back; update sends the full live document with the declared fields merged over it. The server-filled extent
status never causes a diff, and day names compare ignoring case (rev0 writes monday, rev2 Monday).`,
			Example: `resources:
  - kind: vbr.scale_out_repository
    target: vbr
    name: sobr-main
    spec:
      description: Scale-out repository managed by vplay
      performanceTier:
        performanceExtents: [{name: repo-ams}, {name: repo-fra}]
      placementPolicy: {type: DataLocality}
      capacityTier:
        isEnabled: true
        extents: [{name: s3-archive}]
        movePolicyEnabled: true
        operationalRestorePeriodDays: 14
        offloadWindow:
          days: [{day: saturday, hours: "111111111111111111111111"}]
        encryption: {isEnabled: false}`,
			schemaFn: sync.OnceValue(func() map[string]any { return anyRevision("vbr.scale_out_repository", scaleOutSchemaAt) }),
			SchemaAt: scaleOutSchemaAt,
		},
		ReadOnly: []string{
			"id", "performanceTier.performanceExtents.id", "performanceTier.performanceExtents.status",
			"placementPolicy.settings.extentId", "capacityTier.extents.id", "archiveTier.extentId",
		},
		Await:      veeam.KindSession,
		DeleteRisk: RiskDestructive,
		Normalize:  normalizeScaleOut,
		Ops:        scaleOutOps{},
	}
}

// daysUpper are the day names of the offload window when a revision's
// EDayOfWeek cannot be read (it is lower case up to 1.3-rev0 and
// capitalised from 1.3-rev1).
var daysUpper = []any{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// scaleOutSchemaAt is the spec schema at VBR document revision doc, with
// the day names that revision's EDayOfWeek spells.
func scaleOutSchemaAt(doc string) map[string]any {
	days := daysUpper
	if s, err := openapi.JSONSchema(doc, "EDayOfWeek"); err == nil {
		if e, ok := s["enum"].([]any); ok && len(e) > 0 {
			days = e
		}
	}
	out := jsonSchema(scaleOutSchema(days))
	if vendor, err := openapi.JSONSchema(doc, "ScaleOutRepositorySpec"); err == nil {
		fitKeys(out, vendor, vendor)
		for _, tier := range []string{"performanceTier", "placementPolicy", "capacityTier", "archiveTier"} {
			hp, _ := asMap(out["properties"])
			h, _ := asMap(hp[tier])
			if h != nil {
				fitKeys(h, vendorProperty(vendor, vendor, tier), vendor)
			}
		}
	}
	return withID("vbr.scale_out_repository", out)
}

// byNameKeys are keys of the scale-out spec that vplay translates (extents
// named by repository name); they are kept whatever the vendor calls them.
var byNameKeys = map[string]bool{"extent": true, "extents": true, "performanceExtents": true}

// fitKeys makes the hand-written object schema h declare only what the
// vendor object schema v of one revision declares: a key the revision
// spells differently is renamed (uniqueId is tag, isEnabled is enabled in
// 1.1-rev0), a key it lacks is dropped, so a spec using it is refused.
func fitKeys(h, v, root map[string]any) {
	vp := objectProperties(v, root)
	if len(vp) == 0 {
		return
	}
	hp, _ := asMap(h["properties"])
	renames := map[string]string{"uniqueId": "tag", "isEnabled": "enabled"}
	for k, p := range hp {
		if vp[k] || byNameKeys[k] {
			continue
		}
		delete(hp, k)
		if to, ok := renames[k]; ok && vp[to] {
			hp[to] = p
		}
		var req []any
		for _, r := range asList(h["required"]) {
			switch {
			case r != k:
				req = append(req, r)
			case renames[k] != "" && vp[renames[k]]:
				req = append(req, renames[k])
			}
		}
		if len(req) == 0 {
			delete(h, "required")
		} else {
			h["required"] = req
		}
	}
}

// objectProperties returns the property names an object schema declares,
// following local $refs and allOf members.
func objectProperties(s, root map[string]any) map[string]bool {
	out := map[string]bool{}
	var walk func(m map[string]any, depth int)
	walk = func(m map[string]any, depth int) {
		if m == nil || depth > maxInline {
			return
		}
		if ref, ok := m["$ref"].(string); ok {
			walk(resolveLocalRef(root, ref), depth+1)
		}
		props, _ := asMap(m["properties"])
		for k := range props {
			out[k] = true
		}
		for _, a := range asList(m["allOf"]) {
			am, _ := asMap(a)
			walk(am, depth+1)
		}
	}
	walk(s, 0)
	return out
}

// vendorProperty returns the schema of property name of object schema s.
func vendorProperty(s, root map[string]any, name string) map[string]any {
	var found map[string]any
	var walk func(m map[string]any, depth int)
	walk = func(m map[string]any, depth int) {
		if m == nil || found != nil || depth > maxInline {
			return
		}
		if ref, ok := m["$ref"].(string); ok {
			walk(resolveLocalRef(root, ref), depth+1)
		}
		props, _ := asMap(m["properties"])
		if p, ok := asMap(props[name]); ok {
			found = p
			return
		}
		for _, a := range asList(m["allOf"]) {
			am, _ := asMap(a)
			walk(am, depth+1)
		}
	}
	walk(s, 0)
	if ref, ok := found["$ref"].(string); ok {
		return resolveLocalRef(root, ref)
	}
	return found
}

func scaleOutSchema(days []any) map[string]any {
	byName := func(doc string) map[string]any {
		return schemaObject(map[string]any{"name": prop("string", doc)}, "name")
	}
	encryption := schemaObject(map[string]any{
		"isEnabled":                  prop("boolean", "Encrypt data offloaded to the tier."),
		"encryptionType":             enumProp("ByUserPassword (with encryptionPasswordId) or ByKms (with kmsServerId).", "ByUserPassword", "ByKms"),
		"encryptionPasswordId":       map[string]any{"type": "string", "format": "uuid", "description": "ID of the encryption password."},
		"encryptionPasswordUniqueId": prop("string", "Unique ID of the encryption password."),
		"kmsServerId":                map[string]any{"type": "string", "format": "uuid", "description": "ID of the KMS server."},
	}, "isEnabled")
	window := schemaObject(map[string]any{
		"days": listOf("Per day, 24 characters of 1 (allowed) or 0 (denied), one per hour.", schemaObject(map[string]any{
			"day":   map[string]any{"description": "Day of the week.", "enum": days},
			"hours": map[string]any{"type": "string", "pattern": "^[01]{24}$"},
		}, "day", "hours")),
	}, "days")
	return schemaObject(map[string]any{
		"description": prop("string", "Description (default \"\")."),
		"uniqueId":    prop("string", "Unique ID of the scale-out repository."),
		"performanceTier": schemaObject(map[string]any{
			"performanceExtents": map[string]any{
				"type": "array", "minItems": 1, "description": "Performance extents by repository name.",
				"items": byName("Name of a backup repository."),
			},
			"advancedSettings": schemaObject(map[string]any{
				"perVmBackup":           prop("boolean", "Per-machine backup files."),
				"fullWhenExtentOffline": prop("boolean", "Create a full backup when an extent is offline."),
			}),
		}, "performanceExtents"),
		"placementPolicy": schemaObject(map[string]any{
			"type": enumProp("Placement policy.", "DataLocality", "Performance"),
			"settings": listOf("Which backups each extent takes.", schemaObject(map[string]any{
				"name":           prop("string", "Performance extent name."),
				"allowedBackups": enumProp("Allowed backups.", "All", "FullsOnly", "IncrementsOnly", "None"),
			}, "name", "allowedBackups")),
			"enforceStrictPlacementPolicy": prop("boolean", "Fail rather than break the placement policy."),
		}, "type"),
		"capacityTier": schemaObject(map[string]any{
			"isEnabled":                    prop("boolean", "Enable the capacity tier."),
			"extents":                      listOf("Object storage repositories by name.", byName("Name of an object storage repository.")),
			"offloadWindow":                window,
			"backupHealth":                 map[string]any{"type": "object", "description": "Health check settings (vendor BackupHealthCheckSettingsModels)."},
			"copyPolicyEnabled":            prop("boolean", "Copy backups to the capacity tier as they are created."),
			"movePolicyEnabled":            prop("boolean", "Move backups older than operationalRestorePeriodDays."),
			"operationalRestorePeriodDays": map[string]any{"type": "integer", "minimum": 0, "description": "Days backups stay on the performance tier."},
			"overridePolicy": schemaObject(map[string]any{
				"isEnabled":                      prop("boolean", "Offload early when the performance tier fills up."),
				"overrideSpaceThresholdPercents": map[string]any{"type": "integer", "minimum": 0, "maximum": 100},
			}, "isEnabled"),
			"encryption": encryption,
		}, "isEnabled"),
		"archiveTier": schemaObject(map[string]any{
			"isEnabled":         prop("boolean", "Enable the archive tier."),
			"extent":            prop("string", "Name of the archive object storage repository."),
			"archivePeriodDays": map[string]any{"type": "integer", "minimum": 0},
			"advancedSettings": schemaObject(map[string]any{
				"costOptimizedArchiveEnabled": prop("boolean", ""),
				"archiveDeduplicationEnabled": prop("boolean", ""),
			}),
			"encryption": encryption,
		}, "isEnabled"),
	}, "performanceTier")
}

var indexInPath = regexp.MustCompile(`\[\d*\]`)

// normalizeScaleOut reduces extents to their names (ids and status are the
// server's) and lower-cases day names, whatever level of the document the
// caller hands it.
func normalizeScaleOut(path string, v any) any {
	return normalizeScaleOutAt(indexInPath.ReplaceAllString(path, ""), jsondoc.Copy(v))
}

func normalizeScaleOutAt(path string, v any) any {
	switch path {
	case "performanceTier.performanceExtents", "capacityTier.extents":
		if l := asList(v); l != nil {
			out := make([]any, len(l))
			for i, e := range l {
				out[i] = normalizeScaleOutAt(path+".", e)
			}
			return out
		}
	case "performanceTier.performanceExtents.", "capacityTier.extents.":
		if m, ok := asMap(v); ok {
			keep := Doc{"name": m["name"]}
			if ck, ok := m["cryptoKeyId"]; ok {
				keep["cryptoKeyId"] = ck
			}
			return keep
		}
	case "placementPolicy.settings.", "placementPolicy.settings":
		if l := asList(v); l != nil {
			out := make([]any, len(l))
			for i, e := range l {
				out[i] = normalizeScaleOutAt("placementPolicy.settings.", e)
			}
			return out
		}
		if m, ok := asMap(v); ok {
			return withoutKeys(m, "extentId")
		}
	case "archiveTier":
		if m, ok := asMap(v); ok {
			m = withoutKeys(m, "extentId")
			return normalizeMapChildren(path, m)
		}
	}
	if strings.HasSuffix(path, ".day") || path == "day" {
		if s, ok := v.(string); ok {
			return strings.ToLower(s)
		}
	}
	if m, ok := asMap(v); ok {
		return normalizeMapChildren(path, m)
	}
	if l := asList(v); l != nil {
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = normalizeScaleOutAt(path, e)
		}
		return out
	}
	return v
}

func normalizeMapChildren(path string, m Doc) Doc {
	out := make(Doc, len(m))
	for k, e := range m {
		p := k
		if path != "" {
			p = path + "." + k
		}
		out[k] = normalizeScaleOutAt(p, e)
	}
	return out
}

type scaleOutOps struct{}

func (scaleOutOps) List(ctx context.Context, c *Conn) ([]Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	items, err := cl.List(ctx, pathScaleOut, nil)
	if err != nil {
		return nil, fmt.Errorf("list scale-out repositories: %w", err)
	}
	var repos *nameIndex
	out := make([]Object, 0, len(items))
	for _, d := range items {
		pd, err := scaleOutToPlaybook(ctx, cl, d, &repos)
		if err != nil {
			return nil, err
		}
		out = append(out, objectOf(pd))
	}
	return out, nil
}

// scaleOutToPlaybook adds the names the playbook uses next to the vendor
// ids: placement settings and the capacity and archive extents. repos is
// listed at most once, and only when a capacity or archive extent needs it.
func scaleOutToPlaybook(ctx context.Context, cl *vbr.Client, d Doc, repos **nameIndex) (Doc, error) {
	d = jsondoc.CopyMap(d)
	perf := map[string]string{}
	pt, _ := asMap(d["performanceTier"])
	for _, e := range asList(pt["performanceExtents"]) {
		em, _ := asMap(e)
		perf[strings.ToLower(scalarString(em["id"]))] = str(em, "name")
	}
	if pp, ok := asMap(d["placementPolicy"]); ok {
		for _, s := range asList(pp["settings"]) {
			sm, _ := asMap(s)
			if sm != nil && str(sm, "name") == "" {
				sm["name"] = perf[strings.ToLower(str(sm, "extentId"))]
			}
		}
	}
	lookup := func(id string) (string, error) {
		if *repos == nil {
			ix, err := repositoryIndex(ctx, cl)
			if err != nil {
				return "", err
			}
			*repos = &ix
		}
		return (*repos).name(id), nil
	}
	if ct, ok := asMap(d["capacityTier"]); ok {
		for _, e := range asList(ct["extents"]) {
			em, _ := asMap(e)
			if em == nil || str(em, "name") != "" {
				continue
			}
			n, err := lookup(scalarString(em["id"]))
			if err != nil {
				return nil, err
			}
			em["name"] = n
		}
	}
	if at, ok := asMap(d["archiveTier"]); ok && str(at, "extentId") != "" && str(at, "extent") == "" {
		n, err := lookup(str(at, "extentId"))
		if err != nil {
			return nil, err
		}
		at["extent"] = n
	}
	return d, nil
}

// scaleOutToVendor resolves every extent name of a declared spec to its id.
func scaleOutToVendor(ctx context.Context, cl *vbr.Client, spec Doc) (Doc, error) {
	repos, err := repositoryIndex(ctx, cl)
	if err != nil {
		return nil, err
	}
	out := jsondoc.CopyMap(spec)
	names := func(l []any) []string {
		var ns []string
		for _, e := range l {
			em, _ := asMap(e)
			ns = append(ns, str(em, "name"))
		}
		return ns
	}
	if pt, ok := asMap(out["performanceTier"]); ok {
		ids, err := repos.ids("performance extent", names(asList(pt["performanceExtents"])))
		if err != nil {
			return nil, err
		}
		// The vendor model (PUT) requires the extent name next to the id;
		// the spec (POST) ignores it.
		var ext []any
		for i, id := range ids {
			ext = append(ext, Doc{"id": id, "name": names(asList(pt["performanceExtents"]))[i]})
		}
		pt["performanceExtents"] = ext
	}
	if pp, ok := asMap(out["placementPolicy"]); ok {
		for _, s := range asList(pp["settings"]) {
			sm, _ := asMap(s)
			ids, err := repos.ids("placement extent", []string{str(sm, "name")})
			if err != nil {
				return nil, err
			}
			sm["extentId"] = ids[0]
		}
	}
	if ct, ok := asMap(out["capacityTier"]); ok {
		if l := asList(ct["extents"]); l != nil {
			for _, e := range l {
				em, _ := asMap(e)
				ids, err := repos.ids("capacity extent", []string{str(em, "name")})
				if err != nil {
					return nil, err
				}
				em["id"] = ids[0]
				delete(em, "name")
			}
		}
	}
	if at, ok := asMap(out["archiveTier"]); ok {
		if n := str(at, "extent"); n != "" {
			ids, err := repos.ids("archive extent", []string{n})
			if err != nil {
				return nil, err
			}
			at["extentId"] = ids[0]
		}
		delete(at, "extent")
	}
	return out, nil
}

func (scaleOutOps) Create(ctx context.Context, c *Conn, env Env, name string, spec Doc) (Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Object{}, err
	}
	body, err := scaleOutToVendor(ctx, cl, spec)
	if err != nil {
		return Object{}, fmt.Errorf("create scale-out repository %q: %w", name, err)
	}
	body["name"] = name
	if _, ok := body["description"]; !ok {
		body["description"] = ""
	}
	rb := cl.Expect(pathScaleOut)
	defer rb.Leave()
	since := time.Now()
	_, err = runAsync(ctx, c, env, vbrSessionCall(cl, http.MethodPost, pathScaleOut, nil, body))
	var live Object
	switch {
	case errors.Is(err, veeam.ErrUncertain):
		rb.Leave()
		live, err = createPending(ctx, c, env, pathScaleOut, "scale-out repository", name, since, err)
		if err != nil {
			return Object{}, err
		}
	case err != nil:
		return Object{}, fmt.Errorf("create scale-out repository %q: %w", name, err)
	default:
		env.release() // the session has ended: only reads remain
		d, err := readBack(ctx, rb, "scale-out repository", name)
		if err != nil {
			return Object{}, fmt.Errorf("create scale-out repository %q: %w", name, err)
		}
		live = objectOf(d)
	}
	var repos *nameIndex
	d, err := scaleOutToPlaybook(ctx, cl, live.Doc, &repos)
	if err != nil {
		return Object{}, fmt.Errorf("create scale-out repository %q: %w", name, err)
	}
	return objectOf(d), nil
}

func (scaleOutOps) Update(ctx context.Context, c *Conn, env Env, live Object, spec Doc) (Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Object{}, err
	}
	p := pathScaleOut + "/" + url.PathEscape(live.ID)
	full, err := cl.Get(ctx, p, nil)
	if err != nil {
		return Object{}, fmt.Errorf("update scale-out repository %q: read: %w", live.Name, err)
	}
	declared, err := scaleOutToVendor(ctx, cl, spec)
	if err != nil {
		return Object{}, fmt.Errorf("update scale-out repository %q: %w", live.Name, err)
	}
	body := jsondoc.Merge(full, declared)
	body["id"] = full["id"]
	body["name"] = live.Name
	if _, err := runAsync(ctx, c, env, vbrSessionCall(cl, http.MethodPut, p, nil, body)); err != nil {
		return Object{}, fmt.Errorf("update scale-out repository %q: %w", live.Name, err)
	}
	d, err := cl.Get(ctx, p, nil)
	if err != nil {
		return Object{}, fmt.Errorf("update scale-out repository %q: read back: %w", live.Name, err)
	}
	var repos *nameIndex
	if d, err = scaleOutToPlaybook(ctx, cl, d, &repos); err != nil {
		return Object{}, fmt.Errorf("update scale-out repository %q: %w", live.Name, err)
	}
	return objectOf(d), nil
}

func (scaleOutOps) Delete(ctx context.Context, c *Conn, env Env, live Object, opts Doc) error {
	if err := vbrDelete(ctx, c, env, pathScaleOut+"/"+url.PathEscape(live.ID), boolOf(opts, "delete_backups")); err != nil {
		return fmt.Errorf("delete scale-out repository %q: %w", live.Name, err)
	}
	return nil
}
