package vbrsim

import (
	"net/http"
	"strings"

	"github.com/vplay-dev/vplay/jsondoc"
)

// withDefaults completes an object saved through the API (repository,
// scale-out repository) as the vendor model shows it: the settings the
// request left out take the values of the revision-2 vendor example of the
// same type (advancedSettings, readWriteLimitEnabled, vPowerNFSPortSettings,
// capacityTier, archiveTier, placementPolicy, ...), and fields the model
// does not define are dropped. Objects are stored in the rev2 spelling, so
// the rev2 model decides; older revisions render from it.
func (a *API) withDefaults(c *call, d doc, collTmpl string) doc {
	m, err := modelOf(rev2)
	if err != nil {
		return d
	}
	var item any
	var examples []any
	for _, pi := range m.paths {
		switch pi.tmpl {
		case collTmpl + "/{id}":
			if op := pi.ops[http.MethodGet]; op != nil {
				item = op.schema
				examples = append(examples, op.examples...)
			}
		case collTmpl:
			if op := pi.ops[http.MethodGet]; op != nil {
				for _, ex := range op.examples {
					if em, ok := ex.(map[string]any); ok {
						examples = append(examples, asList(em["data"])...)
					}
				}
			}
		}
	}
	if item == nil {
		return d
	}
	merged := jsondoc.Copy(d).(map[string]any)
	for _, ex := range examples {
		em, ok := ex.(map[string]any)
		if !ok || !strings.EqualFold(str(em, "type"), str(d, "type")) {
			continue
		}
		defaults, _ := settingsOnly(em).(map[string]any)
		if ms, ok := sub(em, "mountServer"), sub(merged, "mountServer") != nil; ok && ms != nil {
			side := sub(ms, "windows")
			if side == nil {
				side = sub(ms, "linux")
			}
			for _, name := range []string{"windows", "linux"} {
				if mine := sub(sub(merged, "mountServer"), name); mine != nil && side != nil {
					fillMissing(mine, settingsOnly(side).(map[string]any))
				}
			}
		}
		delete(defaults, "mountServer")
		fillMissing(merged, defaults)
		break
	}
	g := &generator{m: m, now: c.now, newID: a.newID, sparse: true}
	out, ok := g.value(item, "", merged, 1).(map[string]any)
	if !ok {
		return d
	}
	return normalize(out).(map[string]any)
}

// settingsOnly keeps the settings of an example: no identities, names,
// paths or references to other objects (ids), no lists.
func settingsOnly(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, e := range m {
		switch {
		case k == "id" || k == "name" || k == "description" || k == "uniqueId" || k == "path" || k == "sharePath",
			strings.HasSuffix(k, "Id") || strings.HasSuffix(k, "Ids"):
			continue
		}
		switch e.(type) {
		case []any:
			continue
		case map[string]any:
			out[k] = settingsOnly(e)
		default:
			out[k] = e
		}
	}
	return out
}

// fillMissing copies into dst the fields of defaults it lacks, recursing
// into objects both have.
func fillMissing(dst, defaults map[string]any) {
	for k, v := range defaults {
		cur, ok := dst[k]
		if !ok {
			dst[k] = jsondoc.Copy(v)
			continue
		}
		if cm, ok := cur.(map[string]any); ok {
			if vm, ok := v.(map[string]any); ok {
				fillMissing(cm, vm)
			}
		}
	}
}
