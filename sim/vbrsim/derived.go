package vbrsim

import (
	"strings"

	"github.com/vplay-dev/vplay/jsondoc"
)

// Some vendor collections name their objects themselves, from what the
// create spec says, rather than from a name in the spec; the generic
// engine would otherwise generate a name from the vendor example. derive
// fills those fields as the real server does (inferred from the vendor
// models, where the create spec has no name but the model does):
//
//   - a backup proxy is named after its managed server (server.hostId);
//   - an unstructured data server after its share path, or its host;
//   - an AD domain after the server it was added through;
//   - a global VM exclusion keeps the spec's vmObject as its
//     inventoryObject (the model renames the field).
func (a *API) derive(path string, body any, v map[string]any) {
	b, _ := body.(map[string]any)
	switch strings.TrimSuffix(path, "/") {
	case "/api/v1/backupInfrastructure/proxies":
		srv, _ := v["server"].(map[string]any)
		if name := a.managedServerName(str(srv, "hostId")); name != "" {
			v["name"] = name
			srv["hostName"] = name
		}
	case "/api/v1/inventory/unstructuredDataServers":
		if p := str(b, "path"); p != "" {
			v["name"] = p
		} else if name := a.managedServerName(str(b, "hostId")); name != "" {
			v["name"] = name
		}
	case "/api/v1/adDomains":
		if s := str(b, "serverName"); s != "" {
			v["name"] = s
		}
	case "/api/v1/globalExclusions/vm":
		if o, ok := b["vmObject"].(map[string]any); ok {
			v["inventoryObject"] = jsondoc.Copy(o)
		}
	}
}

// managedServerName returns the name of the managed server with id, or "".
func (a *API) managedServerName(id string) string {
	k := a.kinds[kManagedServers]
	if k == nil || id == "" {
		return ""
	}
	if o := k.get(id); o != nil {
		return str(o.doc, "name")
	}
	return ""
}
