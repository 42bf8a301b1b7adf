package steps

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// This file reads what the job actions check before they run: the job's
// state (GET /api/v1/jobs/states: status, lastResult, sessionId) merged
// with isDisabled from the job model.

const jobsPath = "/api/v1/jobs"

// jobState returns the JobStateModel of job merged over the job model.
// A server that lists no state for the job leaves the job model as it is.
func jobState(ctx context.Context, cl *vbr.Client, job Doc) (Doc, error) {
	q := url.Values{}
	q.Set("idFilter", scalarString(job["id"]))
	items, err := cl.List(ctx, jobsPath+"/states", q)
	if err != nil {
		return nil, fmt.Errorf("list job states: %w", err)
	}
	out := jsondoc.CopyMap(job)
	for _, s := range items {
		if strings.EqualFold(scalarString(s["id"]), scalarString(job["id"])) {
			for k, v := range s {
				out[k] = v
			}
		}
	}
	if _, ok := job["isDisabled"]; ok {
		out["isDisabled"] = job["isDisabled"]
	}
	return out, nil
}

// jobRunning reports whether a job state says the job is running.
func jobRunning(st Doc) bool {
	switch strings.ToLower(str(st, "status")) {
	case "running", "starting", "stopping":
		return true
	}
	return false
}

// jobDisabledRefusal refuses to start a disabled job.
func jobDisabledRefusal(st Doc) string {
	if boolOf(st, "isDisabled") {
		return "the job is disabled: enable it first (vbr.job.enable)"
	}
	return ""
}

// jobRefDoc documents the job key of the job actions.
const jobRefDoc = "Job name or id."
