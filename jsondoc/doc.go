// Package jsondoc names the JSON document as vplay handles it: a decoded
// JSON value built from map[string]any (objects), []any (lists), string,
// bool, nil and numbers (json.Number as decoded losslessly, or any Go
// number). The resources playbooks declare, the live objects servers
// return and the bodies vplay sends all travel in this form.
//
// The package holds the few operations every layer needs on such a value,
// defined once: Copy, Merge (the one set of merge rules, so the plan's
// `after` document and the body an update sends agree by construction),
// MergePatch (RFC 7386, as the simulators apply PATCH bodies), Equal
// (numbers by value) and Get/Set by Path. It knows nothing of playbooks,
// secrets or servers: the engine and the step catalogue decide what to
// merge, this package only how.
package jsondoc
