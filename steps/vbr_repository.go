package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// vbrRepository is the vbr.repository kind: a backup repository of any type
// the vendor RepositorySpec allows.
func vbrRepository() *Kind {
	return &Kind{
		Meta: Meta{
			Name:    "vbr.repository",
			API:     veeam.VBR,
			Summary: "A backup repository (Windows, Linux, hardened, SMB, NFS, object storage).",
			Doc: `A VBR backup repository, declared with the vendor RepositorySpec of the target's API revision (the
spec is validated against that revision's vendor schema: 1.1-rev0 and 1.2-rev1 take a flat mountServer, 1.3-rev0
mountServerSettingsType windows|linux|both, 1.3-rev1 and later Windows|Linux|Both, and mountServer is optional only
from 1.3-rev2; the resource name is the repository name and description defaults to ""). Create POSTs the spec,
awaits the Infrastructure session and reads the repository back by name (the vendor session does not name it), in one
list shared with the other creates whose sessions finish about then.
Update GETs the full live document, merges the declared fields over it (maps merge, lists are replaced) and PUTs the
whole document, as the vendor requires, then awaits the session. Delete takes the option delete_backups (default
false) and is answered 204 without a session. id is server-generated; uniqueId is settable. Enum values the server
spells differently between revisions (mountServerSettingsType, RotatedDriveCleanupMode, ...) compare ignoring case.`,
			Example: `resources:
  - kind: vbr.repository
    target: vbr
    name: repo-ams
    spec:
      type: LinuxLocal
      description: Managed by vplay
      hostId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10
      repository:
        path: /backups/ams
        maxTaskCount: 4
      mountServer:
        mountServerSettingsType: linux
        linux:
          mountServerId: 5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10
          writeCacheFolder: /var/lib/veeam/cache
          vPowerNFSEnabled: false
    options:
      delete_backups: false`,
			schemaFn: sync.OnceValue(repositorySpecSchema),
			SchemaAt: repositorySpecSchemaAt,
		},
		ReadOnly:   []string{"id"},
		Await:      veeam.KindSession,
		DeleteRisk: RiskDestructive,
		Normalize:  normalizeRepository,
		Ops:        repositoryOps{},
		Import: ImportRules{Refs: map[string]Ref{
			"hostId":                            managedServerRef,
			"mountServer.mountServerId":         managedServerRef,
			"mountServer.windows.mountServerId": managedServerRef,
			"mountServer.linux.mountServerId":   managedServerRef,
			"share.credentialsId":               {Kind: "vbr.credential", Query: "vbr.credentials", NameField: "username"},
			"account.credentialsId":             {Kind: "vbr.cloud_credential", Query: "vbr.cloud_credentials"},
		}},
	}
}

// managedServerRef is a reference to a managed server by id.
var managedServerRef = Ref{Kind: "vbr.managed_server", Query: "vbr.managed_servers"}

// repositorySpecSchema accepts the spec of any revision (see anyRevision).
func repositorySpecSchema() map[string]any {
	return anyRevision("vbr.repository", repositorySpecSchemaAt)
}

// repositorySpecSchemaAt is the vendor RepositorySpec of VBR document
// revision doc adapted to a playbook spec (see relaxIdentity).
func repositorySpecSchemaAt(doc string) map[string]any {
	s := vendorSchema(doc, "RepositorySpec", handRepositorySpec)
	return withID("vbr.repository", relaxIdentity(s))
}

// caseInsensitiveFields are enum-valued fields whose casing changed between
// vendor revisions; they compare lower-cased.
var caseInsensitiveFields = []string{
	"mountServerSettingsType", "RotatedDriveCleanupMode", "regionType", "connectionType", "type",
}

func normalizeRepository(path string, v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	last := path[strings.LastIndex(path, ".")+1:]
	for _, f := range caseInsensitiveFields {
		if last == f {
			return strings.ToLower(s)
		}
	}
	if last == "path" || last == "sharePath" {
		// The server may keep or drop a trailing separator.
		if t := strings.TrimRight(s, `/\`); t != "" {
			return t
		}
	}
	return v
}

type repositoryOps struct{}

func (repositoryOps) List(ctx context.Context, c *Conn) ([]Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	var items []Doc
	if names, ok := declaredNames(ctx); ok {
		items, err = cl.ListNamed(ctx, pathRepositories, names)
	} else {
		items, err = cl.List(ctx, pathRepositories, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	out := make([]Object, 0, len(items))
	for _, d := range items {
		out = append(out, objectOf(d))
	}
	return out, nil
}

func (repositoryOps) Create(ctx context.Context, c *Conn, env Env, name string, spec Doc) (Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Object{}, err
	}
	body := jsondoc.CopyMap(spec)
	if body == nil {
		body = Doc{}
	}
	body["name"] = name
	if _, ok := body["description"]; !ok {
		body["description"] = ""
	}
	rb := cl.Expect(pathRepositories)
	defer rb.Leave()
	since := time.Now()
	_, err = runAsync(ctx, c, env, vbrSessionCall(cl, http.MethodPost, pathRepositories, nil, body))
	if errors.Is(err, veeam.ErrUncertain) {
		rb.Leave()
		return createPending(ctx, c, env, pathRepositories, "repository", name, since, err)
	}
	if err != nil {
		return Object{}, fmt.Errorf("create repository %q: %w", name, err)
	}
	// The session has ended: reading the repository back is not work in
	// flight on the server, so the next change need not wait for it.
	env.release()
	d, err := readBack(ctx, rb, "repository", name)
	if err != nil {
		return Object{}, fmt.Errorf("create repository %q: %w", name, err)
	}
	return objectOf(d), nil
}

// readBack reads a created VBR object back by name once its session has
// finished, in one list with the other creates of its collection that
// finish about then (vbr.ReadBack). The session does not say what it
// created (the vendor's SessionModel has no object id), so the name does.
func readBack(ctx context.Context, rb *vbr.ReadBack, what, name string) (Doc, error) {
	items, err := rb.Read(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	d, err := oneNamed(what, name, items)
	if err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	return d, nil
}

func (repositoryOps) Update(ctx context.Context, c *Conn, env Env, live Object, spec Doc) (Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Object{}, err
	}
	p := pathRepositories + "/" + url.PathEscape(live.ID)
	full, err := cl.Get(ctx, p, nil)
	if err != nil {
		return Object{}, fmt.Errorf("update repository %q: read: %w", live.Name, err)
	}
	body := jsondoc.Merge(full, spec)
	body["id"] = full["id"]
	body["name"] = live.Name
	if _, err := runAsync(ctx, c, env, vbrSessionCall(cl, http.MethodPut, p, nil, body)); err != nil {
		return Object{}, fmt.Errorf("update repository %q: %w", live.Name, err)
	}
	// The PUT replaced the whole model with body and its session succeeded:
	// body is the object now, no read back needed. The GET before it stays:
	// it makes the PUT carry the server's current model, not the plan's.
	return objectOf(body), nil
}

func (repositoryOps) Delete(ctx context.Context, c *Conn, env Env, live Object, opts Doc) error {
	if err := vbrDelete(ctx, c, env, pathRepositories+"/"+url.PathEscape(live.ID), boolOf(opts, "delete_backups")); err != nil {
		return fmt.Errorf("delete repository %q: %w", live.Name, err)
	}
	return nil
}

// vbrDelete deletes one VBR object. The seed deletes answer 204; should a
// server answer with a session instead, it is awaited. A 404 means the
// object is already gone, which is what was asked.
func vbrDelete(ctx context.Context, c *Conn, env Env, p string, deleteBackups bool) error {
	cl, err := vbrOf(c)
	if err != nil {
		return err
	}
	q := url.Values{}
	q.Set("deleteBackups", strconv.FormatBool(deleteBackups))
	_, err = runAsync(ctx, c, env, func(ctx context.Context) (asyncRef, Doc, error) {
		resp, err := cl.Delete(ctx, p, q)
		if isNotFound(err) {
			return asyncRef{}, nil, nil
		}
		if err != nil {
			return asyncRef{}, nil, err
		}
		if r, err := sessionRef(resp); err == nil {
			return r, nil, nil
		}
		return asyncRef{}, nil, nil
	})
	return err
}

// createPending is the create-pending rule for a VBR create whose answer
// was lost: never POST again; await any Infrastructure session that started
// since, then look the object up by name. Found means created.
func createPending(ctx context.Context, c *Conn, env Env, collection, what, name string, since time.Time, cause error) (Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Object{}, err
	}
	if _, err := settleUncertain(ctx, c, env, "Infrastructure", since); err != nil {
		return Object{}, fmt.Errorf("create %s %q: %w", what, name, err)
	}
	d, err := vbrFindByName(ctx, cl, collection, what, name)
	if err == nil {
		return objectOf(d), nil
	}
	if errors.Is(err, ErrNotFound) {
		return Object{}, fmt.Errorf("create %s %q: not found after re-reading live state, not retried: %w", what, name, cause)
	}
	return Object{}, fmt.Errorf("create %s %q: %w", what, name, err)
}
