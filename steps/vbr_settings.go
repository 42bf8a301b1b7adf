package steps

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/openapi"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// vbrSettings is one row of the table of VBR settings kinds: a document the
// vendor reads (GET) and replaces whole (PUT), one per server.
type vbrSettings struct {
	meta Meta
	path string
}

// settingsName is the name of a settings object when the playbook declares
// none (vplay import writes it).
const settingsName = "default"

// settingsKind builds the singleton kind of a settings row: there is one
// object per target, never created or deleted; a plan compares the declared
// fields; apply reads the whole document, merges the declared fields over
// it and PUTs it back, as the vendor requires.
func settingsKind(row vbrSettings) *Kind {
	sh, _ := newestShape(row.path, true)
	m := row.meta
	m.API = veeam.VBR
	at := func(doc string) map[string]any { return settingsSchemaAt(row, doc) }
	m.SchemaAt = at
	m.ValuesPerRevision = true
	m.Schema = anyRevisionObject(row.meta.Name, row.path, true, "", nil)
	m.docFn = sync.OnceValue(func() map[string]any {
		_, rev := newestShape(row.path, true)
		return at(rev)
	})
	ops := &settingsOps{row: row}
	return &Kind{
		Meta:       m,
		Sensitive:  sh.secrets,
		Await:      awaitModel(sh, http.MethodPut),
		DeleteRisk: RiskDestructive,
		NoDelete:   true, // a settings object exists once per server
		Normalize:  ops.normalize,
		Ops:        ops,
	}
}

// settingsSchemaAt is the vendor model of a settings row at a revision with
// every field optional (the declared ones are merged over the live
// document), closed.
func settingsSchemaAt(row vbrSettings, doc string) map[string]any {
	sh := shapeOf(row.path, doc, true)
	if !sh.defined {
		return withID(row.meta.Name, undefinedSchema(row.meta.Name, doc))
	}
	s, err := openapi.FullJSONSchema(doc, sh.spec)
	if err != nil {
		return withID(row.meta.Name, undefinedSchema(row.meta.Name, doc))
	}
	s = jsonSchema(s)
	optional(s)
	return withID(row.meta.Name, closeSchema(s))
}

// optional removes the required keys of every object of a schema, except
// discriminators pinned to a value (they select a variant).
func optional(v any) {
	switch t := v.(type) {
	case map[string]any:
		if req := asList(t["required"]); req != nil {
			props, _ := asMap(t["properties"])
			var keep []any
			for _, r := range req {
				rs, _ := r.(string)
				p, _ := asMap(props[rs])
				if _, pinned := p["const"]; pinned {
					keep = append(keep, r)
				}
			}
			if len(keep) == 0 {
				delete(t, "required")
			} else {
				t["required"] = keep
			}
		}
		for _, e := range t {
			optional(e)
		}
	case []any:
		for _, e := range t {
			optional(e)
		}
	}
}

// settingsOps is the reconcile contract of a settings row.
type settingsOps struct{ row vbrSettings }

func (o *settingsOps) what() string { return o.row.meta.Name }

// normalize leaves write-only secrets out of the comparison (the server
// never returns them).
func (o *settingsOps) normalize(path string, v any) any {
	sh, _ := newestShape(o.row.path, true)
	if jsondoc.Covered(sh.unread, path) || jsondoc.Covered(sh.secrets, path) {
		return nil
	}
	return v
}

// List returns the one settings object, named as the playbook declares it
// ("default" when it declares none). Declaring it twice on one target is
// an error: both would replace the same document.
func (o *settingsOps) List(ctx context.Context, c *Conn) ([]Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	name := settingsName
	if names, ok := declaredNames(ctx); ok {
		switch len(names) {
		case 0:
		case 1:
			name = names[0]
		default:
			return nil, fmt.Errorf("%s is one object per target, declared %d times (%s): declare it once", o.what(), len(names), quoteList(names))
		}
	}
	d, err := cl.Get(ctx, o.row.path, nil)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", o.row.path, err)
	}
	return []Object{{Name: name, Doc: d}}, nil
}

// Create is never planned (the object always exists).
func (o *settingsOps) Create(ctx context.Context, c *Conn, env Env, name string, spec Doc) (Object, error) {
	return Object{}, fmt.Errorf("create %s %q: %w: settings exist once per server; declare them to change them", o.what(), name, ErrUnsupported)
}

// Update reads the whole document, merges the declared fields over it and
// replaces it (PUT), awaiting a session when the vendor answers with one.
func (o *settingsOps) Update(ctx context.Context, c *Conn, env Env, live Object, spec Doc) (Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Object{}, err
	}
	full, err := cl.Get(ctx, o.row.path, nil)
	if err != nil {
		return Object{}, fmt.Errorf("update %s: read: %w", o.what(), err)
	}
	body := jsondoc.Merge(full, spec)
	var answer Doc
	if o.session(cl) {
		_, err = runAsync(ctx, c, env, vbrSessionCall(cl, http.MethodPut, o.row.path, nil, body))
	} else {
		var resp *veeam.Response
		resp, err = cl.Put(ctx, o.row.path, body)
		if resp != nil {
			answer = resp.Doc
		}
	}
	if err != nil {
		return Object{}, fmt.Errorf("update %s: %w", o.what(), err)
	}
	if len(answer) == 0 {
		if answer, err = cl.Get(ctx, o.row.path, nil); err != nil {
			return Object{}, fmt.Errorf("update %s: read back: %w", o.what(), err)
		}
	}
	return Object{Name: live.Name, Doc: answer}, nil
}

func (o *settingsOps) session(cl *vbr.Client) bool {
	doc, err := vbr.DocumentOf(cl.APIVersion())
	if err != nil {
		return false
	}
	return shapeOf(o.row.path, doc, true).sessions[http.MethodPut]
}

// Delete is refused: settings cannot be removed, only changed.
func (o *settingsOps) Delete(ctx context.Context, c *Conn, env Env, live Object, opts Doc) error {
	return fmt.Errorf("delete %s: %w: settings exist once per server and cannot be deleted (remove state: absent)", o.what(), ErrUnsupported)
}
