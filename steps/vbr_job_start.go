package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/vplay-dev/vplay/veeam"
)

// vbrJobStart is the vbr.job.start action: a minimal version written for
// playbooks/estate.yaml (start one job by name and await its session).
func vbrJobStart() *Action {
	return &Action{
		Meta: Meta{
			Name:    "vbr.job.start",
			API:     veeam.VBR,
			Summary: "Start a job (by name) and await its session, with the result and log lines.",
			Doc: `Starts the job called name (POST /jobs/{id}/start, vendor JobStartSpec: performActiveFull, default false)
and awaits the job session it answers with; a Failed session fails the step with the session's message and log
lines. The result holds the session id, state and result. A start whose answer is lost is not repeated: the step
fails and says so (look for the job's session before starting it again).`,
			Example: `steps:
  - id: first_backup
    action: vbr.job.start
    target: vbr
    with:
      name: Linux agents daily
      performActiveFull: true`,
			Schema: jsonSchema(schemaObject(map[string]any{
				"name":              prop("string", "Name of the job."),
				"performActiveFull": prop("boolean", "Create an active full backup (default false)."),
			}, "name")),
		},
		Risk:  RiskMaintenance,
		Await: veeam.KindSession,
		Ops:   jobStartOps{},
	}
}

type jobStartOps struct{}

func (jobStartOps) Preview(ctx context.Context, c *Conn, with Doc) (Preview, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Preview{}, err
	}
	name := str(with, "name")
	if _, err := vbrFindByName(ctx, cl, pathJobs, "job", name); err != nil {
		return Preview{}, fmt.Errorf("start job: %w", err)
	}
	return Preview{Summary: fmt.Sprintf("start job %s", name), Items: []string{name}}, nil
}

func (jobStartOps) Run(ctx context.Context, c *Conn, env Env, with Doc) (Doc, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	if doc, ok, err := awaitResumed(ctx, c, env); ok || err != nil {
		return sessionResult(doc), err
	}
	name := str(with, "name")
	job, err := vbrFindByName(ctx, cl, pathJobs, "job", name)
	if err != nil {
		return nil, fmt.Errorf("start job: %w", err)
	}
	body := Doc{"performActiveFull": boolOf(with, "performActiveFull")}
	p := pathJobs + "/" + url.PathEscape(scalarString(job["id"])) + "/start"
	s, err := startAndAwait(ctx, c, env, vbrSessionCall(cl, http.MethodPost, p, nil, body))
	if err != nil {
		return nil, fmt.Errorf("start job %q: %w", name, err)
	}
	out := sessionResult(s)
	out["job"] = name
	return out, nil
}
