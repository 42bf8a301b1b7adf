package vspcsim

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// organization is a VSPC organization (a company or the provider).
type organization struct {
	InstanceUID string `json:"instanceUid"`
	Name        string `json:"name"`
	Alias       string `json:"alias,omitempty"`
	Type        string `json:"type"`
}

// agent is the vendor BackupAgent model, fields in vendor order.
type agent struct {
	InstanceUID           string `json:"instanceUid"`
	AgentPlatform         string `json:"agentPlatform"`
	Status                string `json:"status"`
	ManagementAgentUID    string `json:"managementAgentUid"`
	ManagementAgentStatus string `json:"managementAgentStatus"`
	SiteUID               string `json:"siteUid"`
	OrganizationUID       string `json:"organizationUid"`
	Name                  string `json:"name"`
	OperationMode         string `json:"operationMode"`
	GUIMode               string `json:"guiMode"`
	Platform              string `json:"platform"`
	Version               string `json:"version"`
	VersionStatus         string `json:"versionStatus"`
	ActivationTime        string `json:"activationTime"`
	ManagementMode        string `json:"managementMode"`
	InstallationType      string `json:"installationType"`
	TotalJobsCount        int    `json:"totalJobsCount"`
	RunningJobsCount      int    `json:"runningJobsCount"`
	SuccessJobsCount      int    `json:"successJobsCount"`
}

var enums = map[string][]string{
	"agentPlatform":         {"Windows", "Linux", "Mac", "Unknown"},
	"status":                {"Active", "NotRunning", "Unknown"},
	"managementAgentStatus": {"Healthy", "Warning", "Error", "Inaccessible", "Installation", "Updating", "FailedToUpdate", "Restarting", "Applying", "Unknown"},
	"operationMode":         {"Server", "Workstation", "UnLicensed", "Unknown"},
	"guiMode":               {"Full", "ReadOnly", "Unknown"},
	"platform":              {"Physical", "Virtual", "Cloud", "Unknown"},
	"versionStatus":         {"UpToDate", "OutOfDate", "Unknown"},
	"managementMode":        {"ManagedByConsole", "ManagedByVBR", "UnManaged", "Unknown"},
	"installationType":      {"Full", "Restricted", "Installing", "Uninstalling", "Broken", "Unknown"},
}

// normalize fills defaults and checks enums.
func (ag *agent) normalize(defaultOrg string) error {
	if ag.InstanceUID == "" || ag.Name == "" {
		return fmt.Errorf("instanceUid and name are required")
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&ag.AgentPlatform, "Windows")
	def(&ag.Status, "Active")
	def(&ag.ManagementAgentStatus, "Healthy")
	def(&ag.ManagementAgentUID, stableGUID("management-agent", ag.InstanceUID))
	def(&ag.SiteUID, "e2f5a3b1-0c6d-4b7e-8f90-1a2b3c4d5e6f")
	def(&ag.OrganizationUID, defaultOrg)
	def(&ag.OperationMode, "Server")
	def(&ag.GUIMode, "Full")
	def(&ag.Platform, "Physical")
	def(&ag.Version, "6.3.0.177")
	def(&ag.VersionStatus, "UpToDate")
	def(&ag.ActivationTime, "2026-01-15T09:00:00Z")
	def(&ag.ManagementMode, "ManagedByConsole")
	def(&ag.InstallationType, "Full")
	for field, v := range map[string]string{
		"agentPlatform": ag.AgentPlatform, "status": ag.Status, "managementAgentStatus": ag.ManagementAgentStatus,
		"operationMode": ag.OperationMode, "guiMode": ag.GUIMode, "platform": ag.Platform, "versionStatus": ag.VersionStatus,
		"managementMode": ag.ManagementMode, "installationType": ag.InstallationType,
	} {
		if !contains(enums[field], v) {
			return fmt.Errorf("%s: unknown value %q", field, v)
		}
	}
	return nil
}

// restartOp is a restart in progress.
type restartOp struct {
	Agent      string    `json:"agent"`
	Started    time.Time `json:"started"`
	Duration   int64     `json:"durationNs"`
	Fail       bool      `json:"fail,omitempty"`
	Message    string    `json:"message,omitempty"`
	PrevStatus string    `json:"prevStatus"`
	PrevMgmt   string    `json:"prevManagementAgentStatus"`
	Actions    []string  `json:"actions,omitempty"` // async actions waiting for it
}

func (op *restartOp) done() time.Time { return op.Started.Add(time.Duration(op.Duration)) }

// action is an async action tracked under an X-Request-id.
type action struct {
	ID         string            `json:"id"`
	Initiator  string            `json:"initiatorUid"`
	Name       string            `json:"actionName"`
	Status     string            `json:"status"` // running, succeed, failed, canceled
	Query      map[string]string `json:"queryParameters"`
	Body       *string           `json:"requestBody"`
	Created    time.Time         `json:"created"`
	Finished   *time.Time        `json:"finished,omitempty"`
	ResultCode int               `json:"resultStatus,omitempty"`
	Result     json.RawMessage   `json:"result,omitempty"`
	Cleared    bool              `json:"resultCleared,omitempty"`
	Location   string            `json:"location"`
}

// token is an issued access or refresh token.
type token struct {
	User    string    `json:"user"`
	Expires time.Time `json:"expires"`
}

// state is everything the simulated VSPC knows; it is also the snapshot.
type state struct {
	Organizations []*organization       `json:"organizations"`
	Agents        []*agent              `json:"backup_agents"`
	Restarts      map[string]*restartOp `json:"restarts"`
	Actions       map[string]*action    `json:"async_actions"`
	Access        map[string]token      `json:"access_tokens"`
	Refresh       map[string]token      `json:"refresh_tokens"`

	index map[string]int // instanceUid (lower case) -> position in Agents
}

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
		return nil, fmt.Errorf("parse vspc seed: %w", err)
	}
	if err := st.init(); err != nil {
		return nil, fmt.Errorf("vspc seed: %w", err)
	}
	return &st, nil
}

// init fills maps, defaults and the index, and checks the agents.
func (st *state) init() error {
	if len(st.Organizations) == 0 {
		st.Organizations = []*organization{{InstanceUID: "7d3c1a52-93b8-4c0e-9f4e-2a6b8c1d5e01", Name: "Contoso Ltd", Type: "Company"}}
	}
	if st.Restarts == nil {
		st.Restarts = map[string]*restartOp{}
	}
	if st.Actions == nil {
		st.Actions = map[string]*action{}
	}
	if st.Access == nil {
		st.Access = map[string]token{}
	}
	if st.Refresh == nil {
		st.Refresh = map[string]token{}
	}
	for i, ag := range st.Agents {
		if ag == nil {
			return fmt.Errorf("backup_agents[%d] is empty", i)
		}
		if err := ag.normalize(st.Organizations[0].InstanceUID); err != nil {
			return fmt.Errorf("backup_agents[%d]: %w", i, err)
		}
	}
	return st.reindex()
}

func (st *state) reindex() error {
	st.index = make(map[string]int, len(st.Agents))
	for i, ag := range st.Agents {
		k := strings.ToLower(ag.InstanceUID)
		if _, dup := st.index[k]; dup {
			return fmt.Errorf("duplicate backup agent instanceUid %q", ag.InstanceUID)
		}
		st.index[k] = i
	}
	return nil
}

func (st *state) agent(uid string) *agent {
	if i, ok := st.index[strings.ToLower(uid)]; ok {
		return st.Agents[i]
	}
	return nil
}

// stableGUID derives a fixed guid from parts.
func stableGUID(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
