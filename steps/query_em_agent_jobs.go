package steps

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"strings"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/em"
)

// emAgentJobs is the em.agent_jobs query.
func emAgentJobs() *Query {
	return &Query{
		Meta: Meta{
			Name:    "em.agent_jobs",
			API:     veeam.EM,
			Summary: "Veeam Agent backup jobs known to Enterprise Manager, with their last result.",
			Doc: `Lists agent backup jobs (GET /api/agents/jobs?format=Entity). Each item carries the Enterprise Manager fields
as EM names them (UID, Name, Platform, ScheduleEnabled, ...) plus three computed ones: id (the bare guid of the UID,
as paths use it), name (= Name) and lastResult (Success, Warning, Failed or None), so a playbook can write
where: 'lastResult == "Failed"'. lastResult is the job's own last-result field when the server reports one, and
otherwise the result of the job's most recent agent backup session (GET /api/agents/backupSessions). Params:
name (exact job name) and platform (AgentForWindows or AgentForLinux) are applied to the listed jobs.`,
			Example: `data:
  failed_jobs:
    target: em
    query: em.agent_jobs
    params: {platform: AgentForLinux}
    where: 'lastResult == "Failed"'`,
			Schema: jsonSchema(schemaObject(map[string]any{
				"name":     prop("string", "Exact job name."),
				"platform": enumProp("Agent platform.", "AgentForWindows", "AgentForLinux"),
			})),
		},
		Fetch: fetchEMAgentJobs,
	}
}

func fetchEMAgentJobs(ctx context.Context, c *Conn, params Doc) ([]Doc, error) {
	cl, err := emOf(c)
	if err != nil {
		return nil, err
	}
	x, err := agentJobs(ctx, c, cl)
	if err != nil {
		return nil, err
	}
	var out []Doc
	for _, j := range x.jobs {
		if n := str(params, "name"); n != "" && str(j, "name") != n {
			continue
		}
		if p := str(params, "platform"); p != "" && !strings.EqualFold(str(j, "Platform"), p) {
			continue
		}
		out = append(out, j)
	}
	return out, nil
}

// listAgentJobs lists every agent job with the computed id, name and
// lastResult fields.
func listAgentJobs(ctx context.Context, cl *em.Client) ([]Doc, error) {
	q := url.Values{"format": {"Entity"}}
	items, err := cl.List(ctx, pathEMAgentJobs, q)
	if err != nil {
		return nil, fmt.Errorf("list agent jobs: %w", err)
	}
	out := make([]Doc, 0, len(items))
	needSessions := false
	for _, d := range items {
		// Listed documents are shared (veeam.CachedList): the computed
		// fields go into a copy of the top level only.
		j := maps.Clone(d)
		j["id"] = emGUID(j)
		j["name"] = str(j, "Name")
		if r := emLastResult(j); r != "" {
			j["lastResult"] = r
		} else {
			needSessions = true
		}
		out = append(out, j)
	}
	if needSessions {
		last, err := lastAgentSessionResults(ctx, cl)
		if err != nil {
			return nil, err
		}
		for _, j := range out {
			if _, ok := j["lastResult"]; ok {
				continue
			}
			r := last[strings.ToLower(scalarString(j["id"]))]
			if r == "" {
				r = "None"
			}
			j["lastResult"] = r
		}
	}
	return out, nil
}

// emGUID returns the bare guid of an EM entity: the last segment of its UID
// (urn:veeam:AgentBackupJob:<guid>), else of its Href.
func emGUID(d Doc) string {
	if uid := str(d, "UID"); uid != "" {
		return uid[strings.LastIndex(uid, ":")+1:]
	}
	if h := str(d, "Href"); h != "" {
		return lastSegment(h)
	}
	return scalarString(d["Id"])
}

// emLastResult reads a last-result field of the job entity when the server
// sends one.
func emLastResult(j Doc) string {
	for _, k := range []string{"LastResult", "lastResult"} {
		if s := scalarString(j[k]); s != "" {
			return s
		}
	}
	if info, ok := asMap(j["JobInfo"]); ok {
		for _, k := range []string{"LastResult", "Result"} {
			if s := scalarString(info[k]); s != "" {
				return s
			}
		}
	}
	return ""
}

// lastAgentSessionResults maps job guid (lower case) to the result of the
// job's most recent agent backup session.
func lastAgentSessionResults(ctx context.Context, cl *em.Client) (map[string]string, error) {
	items, err := cl.List(ctx, pathEMAgentSessions, url.Values{"format": {"Entity"}})
	if err != nil {
		return nil, fmt.Errorf("list agent backup sessions: %w", err)
	}
	type last struct{ at, result string }
	latest := map[string]last{}
	for _, s := range items {
		job := str(s, "JobUid")
		if job == "" {
			job = str(s, "JobUID")
		}
		job = strings.ToLower(job[strings.LastIndex(job, ":")+1:])
		at := str(s, "CreationTimeUTC")
		if l, ok := latest[job]; ok && l.at >= at {
			continue
		}
		latest[job] = last{at: at, result: str(s, "Result")}
	}
	out := make(map[string]string, len(latest))
	for k, v := range latest {
		out[k] = v.result
	}
	return out, nil
}
