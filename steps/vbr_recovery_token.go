package steps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
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
0600, or a sensitive output for later steps) and never stores it in a plan, a state document or a log; it is stripped
from every live document. The vendor model does not echo the backups, so they are used at creation only and never
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
	if errors.Is(err, veeam.ErrUncertain) {
		return recoveryTokenPending(ctx, cl, name, spec, before, err)
	}
	if err != nil {
		return Object{}, fmt.Errorf("create recovery token %q: %w", name, err)
	}
	created := resp.Doc
	id := scalarString(created["id"])
	if id == "" {
		return Object{}, fmt.Errorf("create recovery token %q: the answer has no id", name)
	}
	// The value is visible only now: hand it to the sink before anything
	// else can fail.
	if token := str(created, "recoveryToken"); token != "" && env.Sink != nil {
		if err := env.Sink(RecoveryTokenSink, token); err != nil {
			return Object{}, fmt.Errorf("create recovery token %q: store the token value: %w", name, err)
		}
	}
	// Rename the token to the resource name so that identity-by-name works
	// on the next plan. Should this PUT fail, the token keeps the server's
	// name and the next plan proposes a new one; the value already reached
	// the sink.
	d, err := renameRecoveryToken(ctx, cl, id, name, created["expirationDate"])
	if err != nil {
		return Object{}, fmt.Errorf("create recovery token %q: %w", name, err)
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

// recoveryTokenPending handles a create whose answer was lost: the token
// value is gone with the answer. A token that appeared since the listing is
// renamed to the resource name (so it is managed, and can be deleted and
// recreated to get a value); the create still fails, saying why.
func recoveryTokenPending(ctx context.Context, cl *vbr.Client, name string, spec Doc, before []Doc, cause error) (Object, error) {
	after, err := cl.List(ctx, pathRecoveryTokens, nil)
	if err != nil {
		return Object{}, fmt.Errorf("create recovery token %q: re-read after %w: %v", name, cause, err)
	}
	known := map[string]bool{}
	for _, d := range before {
		known[scalarString(d["id"])] = true
	}
	for _, d := range after {
		id := scalarString(d["id"])
		if known[id] {
			continue
		}
		if _, err := renameRecoveryToken(ctx, cl, id, name, d["expirationDate"]); err != nil {
			return Object{}, fmt.Errorf("create recovery token %q: %w", name, err)
		}
		return Object{}, fmt.Errorf("create recovery token %q: created, but its value was lost with the answer; delete the token and apply again to get a new one: %w", name, cause)
	}
	return Object{}, fmt.Errorf("create recovery token %q: not found after re-reading live state, not retried: %w", name, cause)
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
