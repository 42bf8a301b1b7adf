package steps

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// vbrRepositoryRescan is the vbr.repository.rescan action.
func vbrRepositoryRescan() *Action {
	return &Action{
		Meta: Meta{
			Name:    "vbr.repository.rescan",
			API:     veeam.VBR,
			Summary: "Rescan backup repositories (by id or name) and await the session.",
			Doc: `Rescans the given repositories: repositoryIds (ids, as the vendor names them) and/or names (resolved by
listing repositories). One POST /backupInfrastructure/repositories/rescan starts a ConfigurationResynchronize
session for all of them, which is awaited; a Failed session fails the step with the session's message and log. With
no repository given, the step is skipped.`,
			Example: `steps:
  - id: rescan
    action: vbr.repository.rescan
    target: vbr
    with:
      names: [repo-ams, repo-fra]`,
			Schema: jsonSchema(schemaObject(map[string]any{
				"repositoryIds": listOf("Repository ids.", map[string]any{"type": "string"}),
				"names":         listOf("Repository names.", map[string]any{"type": "string", "minLength": 1}),
			})),
		},
		Risk:  RiskMaintenance,
		Await: veeam.KindSession,
		Ops:   repositoryRescanOps{},
	}
}

type repositoryRescanOps struct{}

// targets resolves the with block to ids and display names.
func (repositoryRescanOps) targets(ctx context.Context, cl *vbr.Client, with Doc) (ids, names []string, err error) {
	ids = stringList(with["repositoryIds"])
	wantNames := stringList(with["names"])
	if len(ids) == 0 && len(wantNames) == 0 {
		return nil, nil, nil
	}
	ix, err := repositoryIndex(ctx, cl)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if _, ok := ix.byID[strings.ToLower(id)]; !ok {
			return nil, nil, fmt.Errorf("repository id %s: %w", id, ErrNotFound)
		}
		names = append(names, ix.name(id))
	}
	more, err := ix.ids("repository", wantNames)
	if err != nil {
		return nil, nil, err
	}
	ids = append(ids, more...)
	names = append(names, wantNames...)
	return ids, names, nil
}

func (o repositoryRescanOps) Preview(ctx context.Context, c *Conn, with Doc) (Preview, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Preview{}, err
	}
	_, names, err := o.targets(ctx, cl, with)
	if err != nil {
		return Preview{}, fmt.Errorf("rescan repositories: %w", err)
	}
	if len(names) == 0 {
		return Preview{Skip: true, Reason: "no repository given"}, nil
	}
	return Preview{Summary: fmt.Sprintf("rescan %d %s: %s", len(names), plural(len(names), "repository", "repositories"), quoteList(names)), Items: names}, nil
}

func (o repositoryRescanOps) Run(ctx context.Context, c *Conn, env Env, with Doc) (Doc, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	if doc, ok, err := awaitResumed(ctx, c, env); ok || err != nil {
		return sessionResult(doc), err
	}
	ids, names, err := o.targets(ctx, cl, with)
	if err != nil {
		return nil, fmt.Errorf("rescan repositories: %w", err)
	}
	if len(ids) == 0 {
		return Doc{"repositories": []any{}}, nil
	}
	s, err := startAndAwait(ctx, c, env, orRecover(c, "ConfigurationResynchronize",
		vbrSessionCall(cl, http.MethodPost, pathRepositories+"/rescan", nil, Doc{"repositoryIds": ids})))
	if err != nil {
		return nil, fmt.Errorf("rescan repositories %s: %w", quoteList(names), err)
	}
	out := sessionResult(s)
	out["repositories"] = names
	return out, nil
}

// sessionResult is the result document of an action that awaited one VBR
// session: the session id, state and result.
func sessionResult(s Doc) Doc {
	out := Doc{}
	if s == nil {
		return out
	}
	out["session"] = s
	out["sessionId"] = s["id"]
	if r, ok := asMap(s["result"]); ok {
		out["result"] = r["result"]
		out["message"] = r["message"]
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
