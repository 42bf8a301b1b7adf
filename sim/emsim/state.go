package emsim

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// backupServer is the one VBR server connected to the simulated Enterprise
// Manager.
type backupServer struct {
	ID          string `json:"Id"`
	Name        string `json:"Name"`
	Description string `json:"Description,omitempty"`
	Port        int    `json:"Port,omitempty"`
	Version     string `json:"Version,omitempty"`
}

// agentJob is a Veeam Agent backup job as the seed, snapshots and Mutate
// spell it (vendor PascalCase names).
type agentJob struct {
	ID                 string     `json:"Id"`
	Name               string     `json:"Name"`
	Platform           string     `json:"Platform"`
	Description        string     `json:"Description"`
	ScheduleConfigured bool       `json:"ScheduleConfigured"`
	ScheduleEnabled    bool       `json:"ScheduleEnabled"`
	NextRun            *time.Time `json:"NextRun,omitempty"`
	// LastResult is the result of the job's last finished backup session:
	// None (never ran), Success, Warning or Failed.
	LastResult string     `json:"LastResult"`
	LastRunUTC *time.Time `json:"LastRunUTC,omitempty"`
}

// backupSession is a BackupJobSession of an agent job.
type backupSession struct {
	ID        string     `json:"Id"`
	JobID     string     `json:"JobId"`
	JobName   string     `json:"JobName"`
	Created   time.Time  `json:"CreationTimeUTC"`
	Ended     *time.Time `json:"EndTimeUTC,omitempty"`
	State     string     `json:"State"`  // Starting, Working, Stopped
	Result    string     `json:"Result"` // None, Success, Warning, Failed
	Progress  int        `json:"Progress"`
	IsRetry   bool       `json:"IsRetry"`
	Initiator string     `json:"-"`
}

// task is an Enterprise Manager Task started by an action.
type task struct {
	ID        string    `json:"TaskId"`
	Logon     string    `json:"LogonSessionId"` // only this logon session sees the task
	Operation string    `json:"Operation"`
	JobID     string    `json:"JobId"`
	SessionID string    `json:"BackupSessionId,omitempty"`
	Started   time.Time `json:"Started"`
	Duration  int64     `json:"DurationNs"`
	Fail      bool      `json:"Fail,omitempty"`
	Message   string    `json:"Message"`
	State     string    `json:"State"` // Running, OperationFinished, Finished
	Success   bool      `json:"Success"`
	Applied   bool      `json:"Applied"` // the effect on job and session is done
}

// logonSession is an authenticated Enterprise Manager logon.
type logonSession struct {
	ID       string    `json:"SessionId"` // guid, used in /api/logonSessions/{id}
	Token    string    `json:"Token"`     // the X-RestSvcSessionId value
	User     string    `json:"UserName"`
	Role     string    `json:"Role"`
	Created  time.Time `json:"Created"`
	LastSeen time.Time `json:"LastSeen"`
}

// state is everything the simulated Enterprise Manager knows; it is also
// the snapshot format.
type state struct {
	Server   backupServer     `json:"backup_server"`
	Jobs     []*agentJob      `json:"agent_jobs"`
	Sessions []*backupSession `json:"backup_sessions"`
	Tasks    []*task          `json:"tasks"`
	Logons   []*logonSession  `json:"logon_sessions"`
	NextTask int              `json:"next_task"`

	Repositories     []*repository         `json:"repositories,omitempty"`
	ProtectionGroups []*protectionGroup    `json:"protection_groups,omitempty"`
	Computers        []*discoveredComputer `json:"discovered_computers,omitempty"`
}

// parseSeed reads the EM section of the seed (JSON); empty means DefaultSeed.
func parseSeed(seed json.RawMessage) (*state, error) {
	raw := []byte(seed)
	if len(strings.TrimSpace(string(raw))) == 0 || string(raw) == "null" {
		j, err := yaml.YAMLToJSON(DefaultSeed)
		if err != nil {
			return nil, fmt.Errorf("parse default seed: %w", err)
		}
		raw = j
	}
	var st state
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("parse em seed: %w", err)
	}
	if err := st.check(); err != nil {
		return nil, fmt.Errorf("em seed: %w", err)
	}
	if st.Server.ID == "" {
		st.Server = backupServer{ID: "8c88c6d6-931f-4044-8c0b-7a0c5f188b00", Name: "vbr01.lab.local", Port: 9392}
	}
	st.defaultInfra()
	if st.NextTask == 0 {
		st.NextTask = 1
	}
	if len(st.Sessions) == 0 {
		for _, j := range st.Jobs {
			if j.LastResult == "" || j.LastResult == "None" || j.LastRunUTC == nil {
				continue
			}
			end := j.LastRunUTC.Add(12 * time.Minute)
			st.Sessions = append(st.Sessions, &backupSession{
				ID: stableGUID("session", j.ID), JobID: j.ID, JobName: j.Name,
				Created: *j.LastRunUTC, Ended: &end, State: "Stopped", Result: j.LastResult, Progress: 100,
			})
		}
	}
	return &st, nil
}

// check validates the jobs: ids and names present and unique, known enums.
func (st *state) check() error {
	ids := map[string]bool{}
	names := map[string]bool{}
	for i, j := range st.Jobs {
		if j == nil || j.ID == "" || j.Name == "" {
			return fmt.Errorf("agent_jobs[%d]: Id and Name are required", i)
		}
		if ids[strings.ToLower(j.ID)] || names[strings.ToLower(j.Name)] {
			return fmt.Errorf("agent_jobs[%d]: duplicate Id or Name %q", i, j.Name)
		}
		ids[strings.ToLower(j.ID)], names[strings.ToLower(j.Name)] = true, true
		if j.Platform == "" {
			j.Platform = "AgentForWindows"
		}
		if j.Platform != "AgentForWindows" && j.Platform != "AgentForLinux" {
			return fmt.Errorf("agent_jobs[%d]: unknown Platform %q", i, j.Platform)
		}
		switch j.LastResult {
		case "":
			j.LastResult = "None"
		case "None", "Success", "Warning", "Failed":
		default:
			return fmt.Errorf("agent_jobs[%d]: unknown LastResult %q", i, j.LastResult)
		}
	}
	return nil
}

// stableGUID derives a fixed guid from parts, so seeded objects keep their
// ids across restarts.
func stableGUID(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func (st *state) job(id string) *agentJob {
	for _, j := range st.Jobs {
		if strings.EqualFold(j.ID, id) {
			return j
		}
	}
	return nil
}

func (st *state) session(id string) *backupSession {
	for _, s := range st.Sessions {
		if strings.EqualFold(s.ID, id) {
			return s
		}
	}
	return nil
}

// running returns the job's session still in progress, if any.
func (st *state) running(jobID string) *backupSession {
	for _, s := range st.Sessions {
		if s.JobID == jobID && s.State != "Stopped" {
			return s
		}
	}
	return nil
}
