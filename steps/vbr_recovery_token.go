package steps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// RecoveryTokenSink is the name under which vbr.recovery_token hands the
// token value to Env.Sink: the engine writes it to the resource's
// `token_file:` option (mode 0600) or keeps it as a sensitive output.
const RecoveryTokenSink = "recoveryToken"

// vbrRecoveryToken is the vbr.recovery_token kind.
func vbrRecoveryToken() *Kind {
	return &Kind{
		Meta: Meta{
			Name:    "vbr.recovery_token",
			API:     veeam.VBR,
			Summary: "A recovery token for bare-metal recovery of agent backups; its value goes to a sink once.",
			Doc: `A VBR computer recovery token for the given backups (backupIds, or backups by name, resolved by listing
backups) with an expiration date. The server generates both the token's name and its value: vplay creates it (POST)
and then renames it to the resource name (PUT), so the playbook identifies it by name like any other resource. The
value is shown only once, at creation: vplay hands it to the declared sink (the option token_file:, written with mode
0600, written durably before the token is renamed, or a sensitive output for later steps) and never stores it in a
plan, a state document or a log; it is stripped from every live document. A token whose value could not be stored,
whose rename failed or whose creation answer was lost is deleted again (the error says so, and names the token should
the delete fail too), so no unnamed token is left behind and the next run creates a new one. The vendor model does not echo the backups, so they are used at creation only and never
diffed (changing them needs a new token); expirationDate is compared as an instant. Delete answers 204.`,
			Example: `resources:
  - kind: vbr.recovery_token
    target: vbr
    name: dr-token-2027
    spec:
      backups: [Linux fleet - linux01]
      expirationDate: "2027-01-31T00:00:00Z"
    options:
      token_file: ./dr-token.txt`,
			Schema: jsonSchema(anyOfRequired(schemaObject(map[string]any{
				"backupIds": listOf("IDs of the backups the token restores.",
					map[string]any{"type": "string", "format": "uuid"}),
				"backups": listOf("Names of the backups the token restores (resolved to ids).",
					map[string]any{"type": "string", "minLength": 1}),
				"expirationDate": map[string]any{"type": "string", "format": "date-time",
					"description": "When the token expires (RFC 3339)."},
			}, "expirationDate"), "backupIds", "backups")),
		},
		ReadOnly:   []string{"id"},
		Sensitive:  []string{"recoveryToken"},
		Await:      "",
		DeleteRisk: RiskDestructive,
		Normalize:  normalizeRecoveryToken,
		Ops:        recoveryTokenOps{},
		Import: ImportRules{
			Fill: Doc{"backupIds": []any{}},
			Note: "The server does not return the backups a token restores: list them (backups or backupIds) before\ncreating this token on another server. Its value was shown only when it was created.",
		},
	}
}

// normalizeRecoveryToken compares expiration dates as instants and hides the
// create-only backups from the diff (the model has no such field).
func normalizeRecoveryToken(path string, v any) any {
	switch path {
	case "backupIds", "backups":
		return nil
	case "expirationDate":
		if s, ok := v.(string); ok {
			if t, err := parseVendorTime(s); err == nil {
				return t.UTC().Format(time.RFC3339Nano)
			}
		}
	}
	return v
}

// parseVendorTime parses the date-time forms the vendor emits: RFC 3339
// with or without a zone and with 0-7 fractional digits.
func parseVendorTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date-time: %q", s)
}

// stripToken removes the token value from a live document.
func stripToken(d Doc) Doc { return withoutKeys(d, "recoveryToken") }

type recoveryTokenOps struct{}

func (recoveryTokenOps) List(ctx context.Context, c *Conn) ([]Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	items, err := cl.List(ctx, pathRecoveryTokens, nil)
	if err != nil {
		return nil, fmt.Errorf("list recovery tokens: %w", err)
	}
	out := make([]Object, 0, len(items))
	for _, d := range items {
		out = append(out, objectOf(stripToken(d)))
	}
	return out, nil
}

// backupIDs returns the declared backup ids, resolving backup names.
func backupIDs(ctx context.Context, cl *vbr.Client, spec Doc) ([]string, error) {
	ids := stringList(spec["backupIds"])
	names := stringList(spec["backups"])
	if len(names) == 0 {
		return ids, nil
	}
	backups, err := cl.List(ctx, pathBackups, nil)
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	resolved, err := indexOf(backups).ids("backup", names)
	if err != nil {
		return nil, err
	}
	return append(ids, resolved...), nil
}

func (recoveryTokenOps) Create(ctx context.Context, c *Conn, env Env, name string, spec Doc) (Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Object{}, err
	}
	ids, err := backupIDs(ctx, cl, spec)
	if err != nil {
		return Object{}, fmt.Errorf("create recovery token %q: %w", name, err)
	}
	// The server names new tokens itself, so a lost answer can only be
	// recognised as a token that was not there before.
	before, err := cl.List(ctx, pathRecoveryTokens, nil)
	if err != nil {
		return Object{}, fmt.Errorf("create recovery token %q: list: %w", name, err)
	}
	body := Doc{"backupIds": ids, "expirationDate": spec["expirationDate"]}
	resp, err := cl.Post(ctx, pathRecoveryTokens, nil, body)
	var apiErr *veeam.APIError
	if errors.Is(err, veeam.ErrUncertain) || (errors.As(err, &apiErr) && apiErr.Status >= 500) {
		// Lost, or a server error that may come after the server acted: a
		// token created this way has no value anyone can read.
		return Object{}, recoveryTokenLost(ctx, cl, name, body["expirationDate"], before, err)
	}
	if err != nil {
		return Object{}, fmt.Errorf("create recovery token %q: %w", name, err)
	}
	created := resp.Doc
	id := scalarString(created["id"])
	if id == "" {
		return Object{}, fmt.Errorf("create recovery token %q: the answer has no id", name)
	}
	// The value is visible only now: the sink stores it durably before the
	// token gets its name, so a token named after the resource always has
	// its value stored. Should anything fail from here on, the token is
	// unusable (its value lost) or unnamed (the next plan would create
	// another): it is deleted.
	if token := str(created, "recoveryToken"); token != "" && env.Sink != nil {
		if err := env.Sink(RecoveryTokenSink, token); err != nil {
			return Object{}, discardRecoveryToken(ctx, cl, name, created, fmt.Errorf("store the token value: %w", err))
		}
	}
	d, err := renameRecoveryToken(ctx, cl, id, name, created["expirationDate"])
	if err != nil {
		if d, ok := renamedAfterAll(ctx, cl, id, name); ok {
			return objectOf(stripToken(d)), nil
		}
		return Object{}, discardRecoveryToken(ctx, cl, name, created, fmt.Errorf("%w (the value stored in the sink belongs to the deleted token)", err))
	}
	return objectOf(stripToken(d)), nil
}

func renameRecoveryToken(ctx context.Context, cl *vbr.Client, id, name string, expiration any) (Doc, error) {
	p := pathRecoveryTokens + "/" + url.PathEscape(id)
	resp, err := cl.Put(ctx, p, Doc{"id": id, "name": name, "expirationDate": expiration})
	if err != nil {
		return nil, fmt.Errorf("rename: %w", err)
	}
	if resp != nil && scalarString(resp.Doc["id"]) != "" {
		return resp.Doc, nil
	}
	d, err := cl.Get(ctx, p, nil)
	if err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	return d, nil
}

// renamedAfterAll re-reads a token whose rename failed: when the answer to
// the PUT was lost the rename may have happened.
func renamedAfterAll(ctx context.Context, cl *vbr.Client, id, name string) (Doc, bool) {
	d, err := cl.Get(ctx, pathRecoveryTokens+"/"+url.PathEscape(id), nil)
	if err != nil || str(d, "name") != name {
		return nil, false
	}
	return d, true
}

// discardRecoveryToken deletes a token created by this run that cannot be
// used (its value was not stored, or it could not be named), so that no
// orphan stays behind under the server's name; the next run creates a new
// one. When even the delete fails, the error names the orphan.
func discardRecoveryToken(ctx context.Context, cl *vbr.Client, name string, created Doc, cause error) error {
	id := scalarString(created["id"])
	// Clean up even when the run is being interrupted.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	_, err := cl.Delete(ctx, pathRecoveryTokens+"/"+url.PathEscape(id), nil)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("create recovery token %q: %w; the created token is orphaned: id %s, named %q by the server; delete it by hand (could not: %v)",
			name, cause, id, str(created, "name"), err)
	}
	return fmt.Errorf("create recovery token %q: %w; the created token (id %s) was deleted, apply again to create a new one", name, cause, id)
}

// recoveryTokenLost handles a create whose answer was lost: the token value
// is gone with the answer, so a token that appeared since the listing is
// unusable and is deleted (never POSTed again in this run); the next run
// creates a new one.
func recoveryTokenLost(ctx context.Context, cl *vbr.Client, name string, expiration any, before []Doc, cause error) error {
	after, err := cl.List(ctx, pathRecoveryTokens, nil)
	if err != nil {
		return fmt.Errorf("create recovery token %q: re-read after %w: %v; a token may have been created without its value: look for a new token named by the server", name, cause, err)
	}
	known := map[string]bool{}
	for _, d := range before {
		known[scalarString(d["id"])] = true
	}
	// Ours is new since the listing and expires when we asked; anything
	// else new was made by someone else and is left alone.
	want := normalizeRecoveryToken("expirationDate", expiration)
	var ours []Doc
	for _, d := range after {
		if !known[scalarString(d["id"])] && normalizeRecoveryToken("expirationDate", d["expirationDate"]) == want {
			ours = append(ours, d)
		}
	}
	switch len(ours) {
	case 0:
		return fmt.Errorf("create recovery token %q: not found after re-reading live state, not retried: %w", name, cause)
	case 1:
		return discardRecoveryToken(ctx, cl, name, ours[0], fmt.Errorf("created, but its value was lost with the answer: %w", cause))
	}
	var ids []string
	for _, d := range ours {
		ids = append(ids, fmt.Sprintf("%s (%q)", scalarString(d["id"]), str(d, "name")))
	}
	return fmt.Errorf("create recovery token %q: %w; %d new tokens with this expiration appeared meanwhile and vplay cannot tell which is its own (its value was lost): %s; delete the unusable one by hand",
		name, cause, len(ours), strings.Join(ids, ", "))
}

func (recoveryTokenOps) Update(ctx context.Context, c *Conn, env Env, live Object, spec Doc) (Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Object{}, err
	}
	exp := spec["expirationDate"]
	if exp == nil {
		exp = live.Doc["expirationDate"]
	}
	d, err := renameRecoveryToken(ctx, cl, live.ID, live.Name, exp)
	if err != nil {
		return Object{}, fmt.Errorf("update recovery token %q: %w", live.Name, err)
	}
	return objectOf(stripToken(d)), nil
}

func (recoveryTokenOps) Delete(ctx context.Context, c *Conn, env Env, live Object, opts Doc) error {
	cl, err := vbrOf(c)
	if err != nil {
		return err
	}
	_, err = cl.Delete(ctx, pathRecoveryTokens+"/"+url.PathEscape(live.ID), nil)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete recovery token %q: %w", live.Name, err)
	}
	return nil
}
