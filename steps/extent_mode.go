package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/vplay-dev/vplay/veeam"
)

// This file implements the four scale-out extent mode actions
// (vbr.scale_out_repository.{enable,disable}_{sealed,maintenance}_mode):
// they differ only in the vendor operation and the extent status they set.

// extentMode is one of the four extent mode operations.
type extentMode struct {
	operation string // enableSealedMode, disableMaintenanceMode, ...
	status    string // Sealed or Maintenance: the extent status the mode shows as
	enable    bool
	verb      string // "enable sealed mode"
}

// extentModeAction builds the catalogue entry of one mode operation.
func extentModeAction(name string, m extentMode, risk Risk, summary, doc string) *Action {
	return &Action{
		Meta: Meta{
			Name:    name,
			API:     veeam.VBR,
			Summary: summary,
			Doc: doc + `
The scale-out repository is given by name (or id) and the extents by repository name; without extents, every
performance extent is meant. Extents already in the wanted state are skipped (the plan says so), and with none left
the step is skipped. One POST starts a RepositoryMaintenance session for the rest, which is awaited.`,
			Example: fmt.Sprintf(`steps:
  - id: extents
    action: %s
    target: vbr
    with:
      scaleOutRepository: sobr-main
      extents: [repo-ams]`, name),
			Schema: jsonSchema(schemaObject(map[string]any{
				"scaleOutRepository": map[string]any{"type": "string", "minLength": 1, "description": "Scale-out repository name or id."},
				"extents":            listOf("Performance extents by repository name; all when omitted.", map[string]any{"type": "string", "minLength": 1}),
			}, "scaleOutRepository")),
		},
		Risk:  risk,
		Await: veeam.KindSession,
		Ops:   m,
	}
}

// extentPlan is what a mode operation will do.
type extentPlan struct {
	sobrID, sobrName string
	ids, names       []string // extents to change
	skipped          []string // "repo-a (already Sealed)"
}

func (m extentMode) plan(ctx context.Context, c *Conn, with Doc) (extentPlan, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return extentPlan{}, err
	}
	ref := str(with, "scaleOutRepository")
	var sobr Doc
	if looksLikeUUID(ref) {
		sobr, err = cl.Get(ctx, pathScaleOut+"/"+url.PathEscape(ref), nil)
		if isNotFound(err) {
			sobr, err = vbrFindByName(ctx, cl, pathScaleOut, "scale-out repository", ref)
		}
	} else {
		sobr, err = vbrFindByName(ctx, cl, pathScaleOut, "scale-out repository", ref)
	}
	if err != nil {
		return extentPlan{}, err
	}
	p := extentPlan{sobrID: scalarString(sobr["id"]), sobrName: str(sobr, "name")}
	want := stringList(with["extents"])
	pt, _ := asMap(sobr["performanceTier"])
	found := map[string]bool{}
	for _, e := range asList(pt["performanceExtents"]) {
		ed, _ := asMap(e)
		name := str(ed, "name")
		if len(want) > 0 && !slices.Contains(want, name) {
			continue
		}
		found[name] = true
		inMode := slices.ContainsFunc(stringList(ed["status"]), func(s string) bool { return strings.EqualFold(s, m.status) })
		switch {
		case m.enable && inMode:
			p.skipped = append(p.skipped, name+" (already "+m.status+")")
		case !m.enable && !inMode:
			p.skipped = append(p.skipped, name+" (not "+m.status+")")
		default:
			p.ids = append(p.ids, scalarString(ed["id"]))
			p.names = append(p.names, name)
		}
	}
	var missing []string
	for _, w := range want {
		if !found[w] {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		return extentPlan{}, fmt.Errorf("extents %s of scale-out repository %q: %w", quoteList(missing), p.sobrName, ErrNotFound)
	}
	return p, nil
}

func (m extentMode) Preview(ctx context.Context, c *Conn, with Doc) (Preview, error) {
	p, err := m.plan(ctx, c, with)
	if err != nil {
		return Preview{}, fmt.Errorf("%s: %w", m.verb, err)
	}
	if len(p.ids) == 0 {
		reason := "no extent to change"
		if len(p.skipped) > 0 {
			reason += ": " + quoteList(p.skipped)
		}
		return Preview{Skip: true, Reason: reason}, nil
	}
	sum := fmt.Sprintf("%s on %d %s of %s: %s", m.verb, len(p.names), plural(len(p.names), "extent", "extents"), p.sobrName, quoteList(p.names))
	if len(p.skipped) > 0 {
		sum += "; skip " + quoteList(p.skipped)
	}
	return Preview{Summary: sum, Items: p.names}, nil
}

func (m extentMode) Run(ctx context.Context, c *Conn, env Env, with Doc) (Doc, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	if doc, ok, err := awaitResumed(ctx, c, env); ok || err != nil {
		return sessionResult(doc), err
	}
	p, err := m.plan(ctx, c, with)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.verb, err)
	}
	if len(p.ids) == 0 {
		return Doc{"extents": []any{}, "skipped": p.skipped}, nil
	}
	path := pathScaleOut + "/" + url.PathEscape(p.sobrID) + "/" + m.operation
	s, err := startAndAwait(ctx, c, env, orRecover(c, "RepositoryMaintenance",
		vbrSessionCall(cl, http.MethodPost, path, nil, Doc{"repositoryIds": p.ids})))
	if err != nil {
		return nil, fmt.Errorf("%s on %s of %q: %w", m.verb, quoteList(p.names), p.sobrName, err)
	}
	out := sessionResult(s)
	out["extents"] = p.names
	out["skipped"] = p.skipped
	return out, nil
}
