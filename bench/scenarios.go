package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// size is the scale of one benchmark run: full for `make bench`, tiny for
// the smoke test in `make test`.
type size struct {
	planDeclared, planSame, planDrift int // plan-1k: declared, unchanged, drifted (rest new)
	liveMany, liveDeclared            int // plan-100k-live
	creates, createPar                int // apply-100
	retries, retryPar                 int // steps-500
	validate                          int // validate-5k
}

var (
	full  = size{1000, 500, 300, 100_000, 100, 100, 10, 500, 20, 5000}
	smoke = size{20, 10, 6, 500, 5, 6, 3, 10, 4, 50}
)

// scenario is one row of the table.
type scenario struct {
	name string
	seed func(size) ([]byte, error) // nil: the built-in seed
	// live is how many repositories the server holds besides the seed's,
	// named planName(i): they are written into a --state file (JSON),
	// which the simulator reads far faster than a YAML seed.
	live     func(size) int
	playbook func(size) string
	args     []string      // vplay arguments before the playbook path
	session  time.Duration // simulator session/task duration
	noSim    bool          // validate needs no server
	fresh    bool          // the run changes server state: a new simulator each run
	ideal    func(size) time.Duration
	objects  func(size) int
	target   string
	met      func(r result, s size) bool
	// timeline, when set, reads where each run's time went (timeline.go).
	timeline *timelineSpec
	// custom measures the scenario itself (fleet.go) instead of measure.
	custom func(bin, dir string, sc scenario, sz size, runs int) (result, error)
}

// hostID is the seed's Linux host (linux01.tech.local).
const hostID = "3251ddfc-3691-4d20-a43e-860dc275147e"

func scenarios() []scenario {
	return []scenario{
		{
			name: "plan-1k", live: func(s size) int { return s.planSame + s.planDrift }, playbook: planPlaybook, args: []string{"plan"}, session: 500 * time.Millisecond,
			objects: func(s size) int { return s.planDeclared },
			target:  "<= 10 requests, <= 0.5 s",
			met:     func(r result, _ size) bool { return r.Requests <= 10 && r.Wall <= 0.5 },
		},
		{
			name: "plan-100k-live", live: func(s size) int { return s.liveMany }, playbook: manyPlaybook, args: []string{"plan"}, session: 500 * time.Millisecond,
			objects: func(s size) int { return s.liveDeclared },
			target:  "<= 1.5 s, <= 200 MB",
			met:     func(r result, _ size) bool { return r.Wall <= 1.5 && r.PeakRSSMB <= 200 },
		},
		{
			name: "apply-100", playbook: createPlaybook, session: 500 * time.Millisecond, fresh: true, timeline: vbrSessions,
			args: []string{"apply", "--auto-approve", "--parallelism", ""}, // filled from size
			ideal: func(s size) time.Duration {
				return time.Duration(ceilDiv(s.creates, s.createPar)) * 500 * time.Millisecond
			},
			objects: func(s size) int { return s.creates },
			target:  "<= 1.10 x ideal, <= 2.2 requests per object",
			met:     func(r result, _ size) bool { return r.Ratio <= 1.10 && r.PerObject <= 2.2 },
		},
		{
			name: "steps-500", seed: jobSeed, playbook: retryPlaybook, session: 300 * time.Millisecond, fresh: true, timeline: emTasks,
			args: []string{"apply", "--auto-approve"},
			ideal: func(s size) time.Duration {
				return time.Duration(ceilDiv(s.retries, s.retryPar)) * 300 * time.Millisecond
			},
			objects: func(s size) int { return s.retries },
			target:  "<= 1.15 x ideal, 1 job list per run, <= 3 requests per job",
			met: func(r result, _ size) bool {
				return r.Ratio <= 1.15 && r.PerObject <= 3 && r.ByKind["GET /api/agents/jobs"] <= 1
			},
		},
		{
			name: "validate-5k", playbook: validatePlaybook, args: []string{"validate"}, noSim: true,
			objects: func(s size) int { return s.validate },
			target:  "<= 0.3 s, <= 120 MB",
			met:     func(r result, _ size) bool { return r.Wall <= 0.3 && r.PeakRSSMB <= 120 },
		},
		fleetScenario(),
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// repoSpec is a LinuxLocal repository on the seed's Linux host.
func repoSpec(name, description string) map[string]any {
	return map[string]any{
		"type": "LinuxLocal", "description": description, "hostId": hostID,
		"repository": map[string]any{
			"path": "/backups/" + name, "taskLimitEnabled": true, "maxTaskCount": 4,
			"readWriteLimitEnabled": false, "readWriteRate": 0, "useFastCloningOnXFSVolumes": false,
			"advancedSettings": map[string]any{"RotatedDriveCleanupMode": "Disabled", "alignDataBlocks": true,
				"decompressBeforeStoring": false, "rotatedDrives": false, "perVmBackup": true},
		},
		"mountServer": map[string]any{"mountServerSettingsType": "linux", "linux": map[string]any{
			"mountServerId": hostID, "writeCacheFolder": "/var/lib/veeam/cache", "vPowerNFSEnabled": false}},
	}
}

// liveRepo is the i-th live repository of a --state file.
func liveRepo(i int) map[string]any {
	r := repoSpec(planName(i), "live "+planName(i))
	r["id"] = fmt.Sprintf("%08x-0000-4000-8000-00000000b16a", i)
	r["uniqueId"] = fmt.Sprintf("%08x00004000800000000000b16a", i)
	r["name"] = planName(i)
	return r
}

func planName(i int) string { return fmt.Sprintf("repo-%05d", i) }

// benchRevision is the VBR API revision the playbooks pin.
const benchRevision = "1.3-rev0"

const header = `vplay: 1
name: bench
targets:
  vbr:
    type: vbr
    url: "${{ env.VBR_URL }}"
    api_version: ` + benchRevision + `
    username: "${{ env.VBR_USERNAME }}"
    password: "${{ secret('VBR_PASSWORD') }}"
    tls: { fingerprint: "${{ env.VBR_FINGERPRINT }}" }
  em:
    type: em
    url: "${{ env.EM_URL }}"
    username: "${{ env.EM_USERNAME }}"
    password: "${{ secret('EM_PASSWORD') }}"
    tls: { fingerprint: "${{ env.EM_FINGERPRINT }}" }
`

// resources renders vbr.repository resources for the names, with the
// description each gets.
func resources(names []string, description func(int) string) string {
	var b strings.Builder
	b.WriteString("resources:\n")
	for i, n := range names {
		spec, _ := yaml.Marshal(repoSpec(n, description(i)))
		fmt.Fprintf(&b, "  - kind: vbr.repository\n    target: vbr\n    name: %s\n    spec:\n", n)
		for _, line := range strings.Split(strings.TrimRight(string(spec), "\n"), "\n") {
			b.WriteString("      " + line + "\n")
		}
	}
	return b.String()
}

func names(from, n int, name func(int) string) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = name(from + i)
	}
	return out
}

// planPlaybook declares planSame unchanged, planDrift drifted and the rest
// new repositories.
func planPlaybook(s size) string {
	return header + resources(names(0, s.planDeclared, planName), func(i int) string {
		if i < s.planSame {
			return "live " + planName(i)
		}
		return "declared " + planName(i)
	})
}

// manyPlaybook declares liveDeclared of the liveMany live repositories,
// spread over the collection.
func manyPlaybook(s size) string {
	step := s.liveMany / s.liveDeclared
	var ns []string
	for i := range s.liveDeclared {
		ns = append(ns, planName(i*step+step/2))
	}
	return header + resources(ns, func(i int) string { return "live " + ns[i] })
}

func createPlaybook(s size) string {
	return header + resources(names(0, s.creates, func(i int) string { return fmt.Sprintf("new-%04d", i) }),
		func(int) string { return "created by the benchmark" })
}

func jobID(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-0000000a6e70", i) }

// jobSeed is an Enterprise Manager with retries failed agent jobs among
// as many successful ones (a list of about 0.9 MB at full size).
func jobSeed(s size) ([]byte, error) {
	var jobs []any
	for i := range 2 * s.retries {
		result := "Failed"
		if i%2 == 1 {
			result = "Success"
		}
		jobs = append(jobs, map[string]any{
			"Id": jobID(i), "Name": fmt.Sprintf("agent-job-%04d", i), "Platform": "AgentForLinux",
			"Description": "Agent backup of host " + fmt.Sprint(i), "ScheduleConfigured": true, "ScheduleEnabled": true,
			"LastResult": result, "LastRunUTC": "2026-11-22T22:00:00Z",
		})
	}
	em := map[string]any{
		"backup_server": map[string]any{"Id": "8c88c6d6-931f-4044-8c0b-7a0c5f188b00", "Name": "vbr01", "Port": 9392, "Version": "13.0.1.1071"},
		"agent_jobs":    jobs,
	}
	return json.Marshal(map[string]any{"em": em})
}

func retryPlaybook(s size) string {
	return header + fmt.Sprintf(`data:
  failed_jobs:
    target: em
    query: em.agent_jobs
    where: lastResult == "Failed"
steps:
  - id: retry
    action: em.agent_job.retry
    target: em
    for_each: "${{ data.failed_jobs }}"
    with: { id: "${{ each.id }}" }
    parallel: %d
    timeout: 5m
`, s.retryPar)
}

func validatePlaybook(s size) string {
	return header + resources(names(0, s.validate, planName), func(i int) string { return "declared " + planName(i) })
}
