package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/em"
	"github.com/vplay-dev/vplay/veeam/vbr"
	"github.com/vplay-dev/vplay/veeam/vspc"
)

// This file holds the lookups entries share: the typed client of a
// connection, and resolving the names a playbook uses to the ids the vendor
// paths need.

// Vendor collection paths used by more than one entry.
const (
	pathRepositories     = "/api/v1/backupInfrastructure/repositories"
	pathRepositoryStates = "/api/v1/backupInfrastructure/repositories/states"
	pathScaleOut         = "/api/v1/backupInfrastructure/scaleOutRepositories"
	pathManagedServers   = "/api/v1/backupInfrastructure/managedServers"
	pathRecoveryTokens   = "/api/v1/agents/recoveryTokens"
	pathProtectionGroups = "/api/v1/agents/protectionGroups"
	pathProtectedComps   = "/api/v1/agents/protectedComputers"
	pathBackups          = "/api/v1/backups"
	pathSessions         = "/api/v1/sessions"
	pathJobs             = "/api/v1/jobs"
	pathEMAgentJobs      = "/api/agents/jobs"
	pathEMAgentSessions  = "/api/agents/backupSessions"
	pathVSPCBackupAgents = "/api/v3/infrastructure/backupAgents"
)

// ErrNotFound is returned when a name or id a step refers to matches no
// live object.
var ErrNotFound = errors.New("steps: not found")

// errWrongAPI reports a connection of another API than the entry needs.
func errWrongAPI(c *Conn, want veeam.API) error {
	if c == nil {
		return fmt.Errorf("no connection (want a %s target)", want)
	}
	return fmt.Errorf("target %q is a %s target, want %s", c.Target, c.API, want)
}

func vbrOf(c *Conn) (*vbr.Client, error) {
	if c == nil || c.VBR == nil {
		return nil, errWrongAPI(c, veeam.VBR)
	}
	return c.VBR, nil
}

func emOf(c *Conn) (*em.Client, error) {
	if c == nil || c.EM == nil {
		return nil, errWrongAPI(c, veeam.EM)
	}
	return c.EM, nil
}

func vspcOf(c *Conn) (*vspc.Client, error) {
	if c == nil || c.VSPC == nil {
		return nil, errWrongAPI(c, veeam.VSPC)
	}
	return c.VSPC, nil
}

// isNotFound reports whether err is a 404 from the server.
func isNotFound(err error) bool {
	var ae *veeam.APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// vbrListByName lists a VBR collection with nameFilter set to name and keeps
// the exact matches (nameFilter also matches other fields and patterns).
func vbrListByName(ctx context.Context, c *vbr.Client, path, name string) ([]Doc, error) {
	q := url.Values{}
	if name != "" && !strings.ContainsAny(name, "*") {
		q.Set("nameFilter", name)
	}
	items, err := c.List(ctx, path, q)
	if err != nil {
		return nil, err
	}
	var out []Doc
	for _, d := range items {
		if str(d, "name") == name {
			out = append(out, d)
		}
	}
	return out, nil
}

// vbrFindByName returns the one object of a VBR collection called name.
func vbrFindByName(ctx context.Context, c *vbr.Client, path, what, name string) (Doc, error) {
	items, err := vbrListByName(ctx, c, path, name)
	if err != nil {
		return nil, fmt.Errorf("find %s %q: %w", what, name, err)
	}
	return oneNamed(what, name, items)
}

// oneNamed returns the one object of items (the objects of a collection
// called name): none is ErrNotFound, several an error naming the count.
func oneNamed(what, name string, items []Doc) (Doc, error) {
	switch len(items) {
	case 0:
		return nil, fmt.Errorf("find %s %q: %w", what, name, ErrNotFound)
	case 1:
		return items[0], nil
	}
	return nil, fmt.Errorf("find %s %q: %d objects have that name", what, name, len(items))
}

// nameIndex maps names to ids and ids to names for one listed collection.
type nameIndex struct {
	byName map[string]string
	byID   map[string]string
}

func indexOf(items []Doc) nameIndex {
	ix := nameIndex{byName: map[string]string{}, byID: map[string]string{}}
	for _, d := range items {
		id, name := scalarString(d["id"]), str(d, "name")
		ix.byName[name] = id
		ix.byID[strings.ToLower(id)] = name
	}
	return ix
}

// ids resolves names to ids; what names the collection in errors.
func (ix nameIndex) ids(what string, names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	var missing []string
	for _, n := range names {
		id, ok := ix.byName[n]
		if !ok {
			missing = append(missing, n)
			continue
		}
		out = append(out, id)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s %s: %w", what, quoteList(missing), ErrNotFound)
	}
	return out, nil
}

// name returns the name of id, or id itself when unknown.
func (ix nameIndex) name(id string) string {
	if n, ok := ix.byID[strings.ToLower(id)]; ok {
		return n
	}
	return id
}

// repositoryIndex lists every VBR repository once, for name resolution.
func repositoryIndex(ctx context.Context, c *vbr.Client) (nameIndex, error) {
	items, err := c.List(ctx, pathRepositories, nil)
	if err != nil {
		return nameIndex{}, fmt.Errorf("list repositories: %w", err)
	}
	return indexOf(items), nil
}

// protectionGroup resolves a protection group given by name or id.
func protectionGroup(ctx context.Context, c *vbr.Client, ref string) (Doc, error) {
	if looksLikeUUID(ref) {
		d, err := c.Get(ctx, pathProtectionGroups+"/"+url.PathEscape(ref), nil)
		if err == nil {
			return d, nil
		}
		if !isNotFound(err) {
			return nil, fmt.Errorf("get protection group %q: %w", ref, err)
		}
	}
	return vbrFindByName(ctx, c, pathProtectionGroups, "protection group", ref)
}

// looksLikeUUID reports whether s has the 8-4-4-4-12 hex shape of a uuid.
func looksLikeUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}
