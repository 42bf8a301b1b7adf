package steps

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/vplay-dev/vplay/veeam/openapi"
)

// vbr_shapes.json holds the shape of every table row at every document
// revision, read from the vendor's full models by `go generate ./steps`
// (VBRShapes), so building the catalogue does not decode megabytes of
// vendor documents; TestVBRShapesFresh fails when it is stale.
//
//go:embed vbr_shapes.json
var shapesJSON []byte

// shapeRecord is the JSON form of a vbrShape.
type shapeRecord struct {
	Defined    bool            `json:"defined"`
	Spec       string          `json:"spec,omitempty"`
	Model      string          `json:"model,omitempty"`
	Put        string          `json:"put,omitempty"`
	Sessions   map[string]bool `json:"sessions,omitempty"`
	Update     bool            `json:"update,omitempty"`
	Delete     bool            `json:"delete,omitempty"`
	Unread     []string        `json:"unread,omitempty"`
	CreateOnly []string        `json:"createOnly,omitempty"`
	Secrets    []string        `json:"secrets,omitempty"`
	Keys       []string        `json:"keys,omitempty"`
}

func recordOf(sh vbrShape) shapeRecord {
	sessions := map[string]bool{}
	for m, s := range sh.sessions {
		if s {
			sessions[m] = true
		}
	}
	return shapeRecord{Defined: sh.defined, Spec: sh.spec, Model: sh.model, Put: sh.put, Sessions: sessions,
		Update: sh.update, Delete: sh.delete, Unread: sh.unread, CreateOnly: sh.createOnly, Secrets: sh.secrets, Keys: sh.keys}
}

func (r shapeRecord) shape() vbrShape {
	sessions := r.Sessions
	if sessions == nil {
		sessions = map[string]bool{}
	}
	return vbrShape{defined: r.Defined, spec: r.Spec, model: r.Model, put: r.Put, sessions: sessions,
		update: r.Update, delete: r.Delete, unread: r.Unread, createOnly: r.CreateOnly, secrets: r.Secrets, keys: r.Keys}
}

// generatedShapes is vbr_shapes.json decoded, by "path@revision"; empty
// when the file is (a first generation).
var generatedShapes = sync.OnceValue(func() map[string]vbrShape {
	var recs map[string]shapeRecord
	out := map[string]vbrShape{}
	if err := json.Unmarshal(shapesJSON, &recs); err != nil {
		return out // computed from the documents instead (shapeOf)
	}
	for k, r := range recs {
		out[k] = r.shape()
	}
	return out
})

// VBRShapes computes vbr_shapes.json from the vendor documents: for every
// table-driven kind of Builtin and every document revision, what the
// revision defines (operations, request and answer models, sessions) and
// which spec fields are never read back, create-only or secret. It is what
// `go generate ./steps` writes.
func VBRShapes() ([]byte, error) {
	recs := map[string]shapeRecord{}
	for _, k := range Builtin().Kinds() {
		t, ok := TableOf(k)
		if !ok {
			continue
		}
		for _, rev := range openapi.Revisions {
			recs[t.Path+"@"+rev] = recordOf(readShape(t.Path, rev, t.Singleton))
		}
	}
	keys := make([]string, 0, len(recs))
	for k := range recs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("steps: encode shapes: %w", err)
	}
	return append(b, '\n'), nil
}
