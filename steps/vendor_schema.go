package steps

import (
	"reflect"
	"slices"
	"strings"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/veeam/openapi"
)

// This file adapts the vendor's request schemas (from the VBR OpenAPI
// document, package veeam/openapi) to the shape a playbook writes them in.

// relaxIdentity adapts a vendor Spec schema to a playbook spec: the
// resource's `name` supplies the vendor `name`, so it is removed from
// properties and required; `description` becomes optional (vplay sends ""
// when it is absent, as the vendor requires it); the rev0 RepositorySpec's
// `isDisabled`, required but never defined (a vendor spec bug), is dropped;
// and optional lists keys the vendor requires in rev0 but no longer in rev2
// (mountServer). It applies to every base schema, found as a node whose
// properties hold both name and type: the root, each $defs entry and the
// allOf members of those (the converted vendor document repeats the base in
// every variant). The result is closed (see closeSchema): a key the vendor
// schema does not declare is rejected.
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
	return closeSchema(s)
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

// vendorSchema returns the vendor component schema name of VBR document
// revision doc as a JSON Schema, or fallback's hand-written equivalent when
// the embedded vendor document cannot produce it.
func vendorSchema(doc, name string, fallback func() map[string]any) map[string]any {
	s, err := openapi.JSONSchema(doc, name)
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

// closeSchema makes a vendor schema reject unknown keys, the way the
// hand-written entry schemas do with additionalProperties: false, without
// changing what it accepts otherwise.
//
// The vendor document composes objects (a base spec and a per-type spec
// under allOf, the per-type specs under a oneOf, mount server settings under
// an anyOf), and additionalProperties only sees the properties declared
// beside it. So the object schema at every instance location (the root,
// property values, list items) is first flattened: local $refs applied in
// place and allOf members merged into one object schema. Each alternative of
// a oneOf/anyOf gets the properties of the object around it and is closed on
// its own, so an unknown key is reported by the branch that applies, with
// that branch's keys as the hint. A oneOf whose branches each require a
// distinct const of the same property (type: LinuxLocal, ...) becomes an
// enum of the values plus, when the property has one of them, a binary tree
// of if/then/else that picks the branch: it accepts the same documents, and
// a validator checks only the branch that applies, after about log2(n)
// conditions, instead of every alternative. When the property is missing or
// has another value, keys that no branch declares are still rejected. Definitions that are no longer referenced
// are dropped. Definitions reached through a $ref at an instance location
// are closed in place; the document's $refs are local (#/$defs/NAME).
func closeSchema(s map[string]any) map[string]any {
	defs, _ := asMap(s["$defs"])
	c := &closer{orig: map[string]any{}, defs: defs, queued: map[string]bool{}}
	for k, v := range defs {
		c.orig[k] = jsondoc.Copy(v)
	}
	out := c.object(s, true)
	for i := 0; i < len(c.queue); i++ {
		name := c.queue[i]
		if d, ok := asMap(defs[name]); ok {
			defs[name] = c.object(jsondoc.CopyMap(d), true)
		}
	}
	if defs != nil {
		pruneDefs(out, defs)
	}
	return out
}

// maxInline bounds how deep $refs are applied in place, so a recursive
// definition keeps its $ref instead of expanding forever.
const maxInline = 16

type closer struct {
	orig   map[string]any // definitions as the vendor wrote them
	defs   map[string]any // definitions being closed (the output's $defs)
	queue  []string
	queued map[string]bool
	depth  int
}

const defPrefix = "#/$defs/"

func refName(m map[string]any) (string, bool) {
	ref, ok := m["$ref"].(string)
	if !ok {
		return "", false
	}
	name, ok := strings.CutPrefix(ref, defPrefix)
	return name, ok && !strings.Contains(name, "/")
}

// annotations are keys that do not affect which instances are accepted.
var annotations = map[string]bool{"description": true, "title": true, "$comment": true, "examples": true,
	"default": true, "deprecated": true, "readOnly": true, "writeOnly": true, "format": true}

// pureRef reports whether m is a $ref with annotations only.
func pureRef(m map[string]any) bool {
	if _, ok := refName(m); !ok {
		return false
	}
	for k := range m {
		if k != "$ref" && !annotations[k] {
			return false
		}
	}
	return true
}

// object closes the schema at one instance location. When closeSelf is false
// (remaining allOf members, then and else), only the locations below it are
// visited.
func (c *closer) object(n map[string]any, closeSelf bool) map[string]any {
	if pureRef(n) {
		name, _ := refName(n)
		if !c.queued[name] {
			c.queued[name] = true
			c.queue = append(c.queue, name)
		}
		return n
	}
	n = c.flatten(n)
	if closeSelf {
		c.branches(n)
	}
	for _, key := range []string{"allOf", "then", "else"} {
		switch v := n[key].(type) {
		case []any:
			for i, m := range v {
				if mm, ok := asMap(m); ok {
					v[i] = c.object(mm, false)
				}
			}
		case map[string]any:
			n[key] = c.object(v, false)
		}
	}
	if props, ok := asMap(n["properties"]); ok {
		for k, p := range props {
			if pm, ok := asMap(p); ok {
				props[k] = c.object(pm, true)
			}
		}
	}
	for _, key := range []string{"items", "additionalProperties"} {
		if m, ok := asMap(n[key]); ok {
			n[key] = c.object(m, true)
		}
	}
	if closeSelf && closable(n) {
		n["additionalProperties"] = false
	}
	return n
}

// branches closes the alternatives of n's oneOf or anyOf, each with n's own
// properties added, and turns a const-discriminated oneOf into if/then.
func (c *closer) branches(n map[string]any) {
	for _, key := range []string{"oneOf", "anyOf"} {
		alts := asList(n[key])
		if len(alts) == 0 {
			continue
		}
		base, _ := asMap(n["properties"])
		disc, values := discriminator(alts)
		closed := make([]any, len(alts))
		for i, a := range alts {
			am, ok := asMap(a)
			if !ok {
				closed[i] = a
				continue
			}
			if key == "oneOf" && disc != "" {
				// The if of the rule checks the const already.
				am = withoutConst(am, disc)
			}
			if _, ok := refName(am); ok && (len(base) > 0 || disc == "") {
				// The branch needs the surrounding properties, or
				// markerDispatch needs to see its keys: apply the
				// definition here instead of closing it in place.
				am = map[string]any{"allOf": []any{am}}
			}
			b := c.flatten(am)
			if isObject(b) && len(base) > 0 {
				merged, ok := mergeObjects(map[string]any{"properties": jsondoc.Copy(base)}, b)
				if ok {
					b = merged
				}
			}
			closed[i] = c.object(b, true)
		}
		if key == "oneOf" && disc != "" {
			delete(n, "oneOf")
			rule := map[string]any{
				"if":   map[string]any{"properties": map[string]any{disc: map[string]any{"enum": values}}, "required": []any{disc}},
				"then": dispatch(disc, values, closed),
			}
			if keys, ok := unionOfKeys(base, closed); ok {
				// Without a known discriminator no branch applies,
				// but a key no branch declares is wrong all the same.
				rule["else"] = map[string]any{"properties": keys, "additionalProperties": false}
			}
			n["allOf"] = append(asList(n["allOf"]), rule,
				map[string]any{"properties": map[string]any{disc: map[string]any{"enum": values}}})
			continue
		}
		if rule, ok := markerDispatch(closed); ok {
			// Each alternative is told apart by a key only it has:
			// check only the one that applies, so its own errors
			// (an enum value, a missing key) are what users see.
			delete(n, key)
			n["allOf"] = append(asList(n["allOf"]), rule)
			continue
		}
		n[key] = closed
	}
}

// markerDispatch turns alternatives that are closed objects, each but at
// most one (the fallback) requiring a key no other alternative declares,
// into an if/then/else chain on those keys. It accepts the same instances
// as anyOf or oneOf of them: an object with branch i's marker can only
// match branch i (the others are closed and do not declare it), and one
// with no marker can only match the fallback.
func markerDispatch(alts []any) (map[string]any, bool) {
	if len(alts) < 2 {
		return nil, false
	}
	declared := make([]map[string]any, len(alts))
	for i, a := range alts {
		am, ok := asMap(a)
		if !ok || am["additionalProperties"] != false {
			return nil, false
		}
		declared[i], _ = asMap(am["properties"])
	}
	markers := make([]string, len(alts))
	fallback := -1
	for i, a := range alts {
		am, _ := asMap(a)
		for _, r := range asList(am["required"]) {
			rs, _ := r.(string)
			unique := rs != ""
			for j := range alts {
				if _, ok := declared[j][rs]; ok && j != i {
					unique = false
					break
				}
			}
			if unique {
				markers[i] = rs
				break
			}
		}
		if markers[i] == "" {
			if fallback >= 0 {
				return nil, false
			}
			fallback = i
		}
	}
	var rule map[string]any
	if fallback >= 0 {
		rule, _ = asMap(alts[fallback])
	}
	for i := len(alts) - 1; i >= 0; i-- {
		if i == fallback {
			continue
		}
		b, _ := asMap(alts[i])
		if rule == nil {
			rule = b // no marker present: the last branch reports its own
			continue
		}
		rule = map[string]any{"if": map[string]any{"required": []any{markers[i]}}, "then": b, "else": rule}
	}
	return rule, true
}

// unionOfKeys returns every key base and the closed branches declare, each
// accepting any value; false when a branch is not a closed object (it may
// accept other keys).
func unionOfKeys(base map[string]any, branches []any) (map[string]any, bool) {
	keys := map[string]any{}
	for k := range base {
		keys[k] = true
	}
	for _, b := range branches {
		bm, _ := asMap(b)
		props, ok := asMap(bm["properties"])
		if !ok || bm["additionalProperties"] != false {
			return nil, false
		}
		for k := range props {
			keys[k] = true
		}
	}
	return keys, true
}

// dispatch applies branches[i] to an object whose disc is values[i] (it
// is one of them), halving the candidates at each level so a validator
// tests about log2(len(values)) conditions rather than one per value.
func dispatch(disc string, values, branches []any) any {
	if len(values) == 1 {
		return branches[0]
	}
	half := len(values) / 2
	return map[string]any{
		"if":   map[string]any{"properties": map[string]any{disc: map[string]any{"enum": values[:half]}}},
		"then": dispatch(disc, values[:half], branches[:half]),
		"else": dispatch(disc, values[half:], branches[half:]),
	}
}

// discriminator returns the property every alternative requires with a
// const of its own, and those consts in order; "" when there is none.
func discriminator(alts []any) (string, []any) {
	var name string
	var values []any
	for _, a := range alts {
		am, ok := asMap(a)
		if !ok {
			return "", nil
		}
		props, _ := asMap(am["properties"])
		found := false
		for _, r := range asList(am["required"]) {
			rs, _ := r.(string)
			p, _ := asMap(props[rs])
			v, ok := p["const"]
			if !ok || (name != "" && rs != name) {
				continue
			}
			for _, seen := range values {
				if reflect.DeepEqual(seen, v) {
					return "", nil
				}
			}
			name, found = rs, true
			values = append(values, v)
			break
		}
		if !found {
			return "", nil
		}
	}
	return name, values
}

// flatten applies n's local $ref in place (when n has other keys too) and
// merges its allOf members that are plain object schemas into n.
func (c *closer) flatten(n map[string]any) map[string]any {
	if c.depth >= maxInline {
		return n
	}
	c.depth++
	defer func() { c.depth-- }()
	if name, ok := refName(n); ok && !pureRef(n) {
		if d, ok := asMap(c.orig[name]); ok && objectLike(d) {
			rest := shallowCopy(n)
			delete(rest, "$ref")
			target := c.flatten(jsondoc.CopyMap(d))
			if merged, ok := mergeObjects(rest, target); ok {
				n = merged
			}
		}
	}
	members := asList(n["allOf"])
	if len(members) == 0 {
		return n
	}
	out := shallowCopy(n)
	delete(out, "allOf")
	var keep []any
	for _, m := range members {
		mm, ok := asMap(m)
		if !ok {
			keep = append(keep, m)
			continue
		}
		if pureRef(mm) {
			name, _ := refName(mm)
			if d, ok := asMap(c.orig[name]); ok {
				mm = jsondoc.CopyMap(d)
			}
		}
		mm = c.flatten(mm)
		if !plainObject(mm) {
			keep = append(keep, mm)
			continue
		}
		merged, ok := mergeObjects(out, mm)
		if !ok {
			keep = append(keep, mm)
			continue
		}
		out = merged
	}
	if len(keep) > 0 {
		out["allOf"] = keep
	}
	return out
}

// plainObject reports whether s is an object schema made of properties,
// required, type and annotations only.
func plainObject(s map[string]any) bool {
	for k := range s {
		switch {
		case k == "properties", k == "required", k == "type", annotations[k]:
		default:
			return false
		}
	}
	return isObject(s)
}

func isObject(s map[string]any) bool {
	switch t := s["type"].(type) {
	case string:
		return t == "object"
	case nil:
		_, ok := s["properties"]
		return ok
	}
	return false
}

// mergeObjects combines two object schemas that both apply to one
// instance: properties united (a property declared by both gets both
// schemas), required united; false when they cannot be merged safely.
func mergeObjects(a, b map[string]any) (map[string]any, bool) {
	out := shallowCopy(a)
	for k, v := range b {
		switch k {
		case "properties":
			pa, _ := asMap(out["properties"])
			pb, _ := asMap(v)
			props := make(map[string]any, len(pa)+len(pb))
			for name, p := range pa {
				props[name] = p
			}
			for name, p := range pb {
				if old, ok := props[name]; ok {
					props[name] = bothSchemas(old, p)
				} else {
					props[name] = p
				}
			}
			out["properties"] = props
		case "required":
			req := asList(out["required"])
			for _, r := range asList(v) {
				if !slices.Contains(req, r) {
					req = append(req, r)
				}
			}
			out["required"] = req
		default:
			old, ok := out[k]
			switch {
			case !ok:
				out[k] = v
			case annotations[k] || reflect.DeepEqual(old, v):
			default:
				return nil, false
			}
		}
	}
	return out, true
}

// bothSchemas is a schema requiring both a and b.
func bothSchemas(a, b any) any {
	am, aok := asMap(a)
	bm, bok := asMap(b)
	if aok && bok {
		switch {
		case subset(am, bm):
			return b
		case subset(bm, am):
			return a
		}
		disjoint := true
		for k := range bm {
			if _, ok := am[k]; ok {
				disjoint = false
				break
			}
		}
		if disjoint {
			out := shallowCopy(am)
			for k, v := range bm {
				out[k] = v
			}
			return out
		}
	}
	return map[string]any{"allOf": []any{a, b}}
}

// subset reports whether every key of a is in b with the same value.
func subset(a, b map[string]any) bool {
	for k, v := range a {
		if w, ok := b[k]; !ok || !reflect.DeepEqual(v, w) {
			return false
		}
	}
	return true
}

// objectLike reports whether s describes an object (so applying it in place
// matters for closing), rather than a scalar such as an enum.
func objectLike(s map[string]any) bool {
	if isObject(s) {
		return true
	}
	for _, k := range []string{"allOf", "oneOf", "anyOf", "$ref"} {
		if _, ok := s[k]; ok {
			return true
		}
	}
	return false
}

// withoutConst returns alt without the const on its discriminator property
// (the property stays declared and required).
func withoutConst(alt map[string]any, disc string) map[string]any {
	props, _ := asMap(alt["properties"])
	p, _ := asMap(props[disc])
	if _, ok := p["const"]; !ok {
		return alt
	}
	np := shallowCopy(p)
	delete(np, "const")
	nprops := shallowCopy(props)
	nprops[disc] = np // still declared, so the closed branch accepts it
	out := shallowCopy(alt)
	out["properties"] = nprops
	return out
}

// closable reports whether additionalProperties: false can be added to n:
// it declares properties, does not already say what other keys may be, and
// no subschema applied in place declares properties that
// additionalProperties would not see.
func closable(n map[string]any) bool {
	if _, ok := n["properties"]; !ok {
		return false
	}
	for _, k := range []string{"additionalProperties", "patternProperties", "unevaluatedProperties", "$ref", "$dynamicRef", "dependentSchemas", "oneOf", "anyOf"} {
		if _, ok := n[k]; ok {
			return false
		}
	}
	for _, m := range asList(n["allOf"]) {
		mm, _ := asMap(m)
		if declaresProperties(mm) || declaresProperties(asMapOr(mm["then"])) || declaresProperties(asMapOr(mm["else"])) {
			return false
		}
	}
	return !declaresProperties(asMapOr(n["then"])) && !declaresProperties(asMapOr(n["else"]))
}

func asMapOr(v any) map[string]any {
	m, _ := asMap(v)
	return m
}

// declaresProperties reports whether s, applied in place, can evaluate
// properties (so a sibling additionalProperties would misjudge them).
func declaresProperties(s map[string]any) bool {
	if s == nil {
		return false
	}
	for _, k := range []string{"properties", "patternProperties", "additionalProperties", "unevaluatedProperties", "$ref", "$dynamicRef", "dependentSchemas"} {
		if _, ok := s[k]; ok {
			return true
		}
	}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		for _, m := range asList(s[k]) {
			if declaresProperties(asMapOr(m)) {
				return true
			}
		}
	}
	return declaresProperties(asMapOr(s["then"])) || declaresProperties(asMapOr(s["else"]))
}

// pruneDefs removes the definitions root no longer references.
func pruneDefs(root, defs map[string]any) {
	used := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if name, ok := refName(t); ok && !used[name] {
				used[name] = true
				walk(defs[name])
			}
			for k, e := range t {
				if k != "$defs" {
					walk(e)
				}
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(root)
	for name := range defs {
		if !used[name] {
			delete(defs, name)
		}
	}
	if len(defs) == 0 {
		delete(root, "$defs")
	}
}

func shallowCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
