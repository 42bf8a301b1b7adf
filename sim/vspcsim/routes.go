package vspcsim

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/sim/simapi"
)

func (a *api) routes() {
	anyUser := routeOpts{}
	a.route("POST /api/v3/token", routeOpts{public: true}, a.token)
	a.route("DELETE /api/v3/users/{userUid}/tokens", anyUser, a.logout)
	a.route("GET /api/v3/organizations", routeOpts{trackable: true, actionName: "GetOrganizations"}, a.listOrganizations)
	agents := func(platform string) func(c *call) reply {
		return func(c *call) reply { return a.listAgents(c, platform) }
	}
	a.route("GET /api/v3/infrastructure/backupAgents", routeOpts{trackable: true, actionName: "GetBackupAgents"}, agents(""))
	a.route("GET /api/v3/infrastructure/backupAgents/windows", routeOpts{trackable: true, actionName: "GetWindowsBackupAgents"}, agents("Windows"))
	a.route("GET /api/v3/infrastructure/backupAgents/linux", routeOpts{trackable: true, actionName: "GetLinuxBackupAgents"}, agents("Linux"))
	a.route("GET /api/v3/infrastructure/backupAgents/mac", routeOpts{trackable: true, actionName: "GetMacBackupAgents"}, agents("Mac"))
	a.route("GET /api/v3/infrastructure/backupAgents/{backupAgentUid}", routeOpts{trackable: true, actionName: "GetBackupAgent"}, a.getAgent)
	a.route("POST /api/v3/infrastructure/backupAgents/{backupAgentUid}/restart",
		routeOpts{roles: restartRoles, trackable: true, actionName: "RestartBackupAgent"}, a.restart)
	a.route("GET /api/v3/asyncActions", anyUser, a.listActions)
	a.route("GET /api/v3/asyncActions/config", anyUser, a.actionConfig)
	a.route("GET /api/v3/asyncActions/{actionId}", anyUser, a.getAction)
	a.route("DELETE /api/v3/asyncActions/{actionId}", anyUser, a.cancelAction)
	a.route("GET /api/v3/asyncActions/{actionId}/result", anyUser, a.actionResult)
	a.route("DELETE /api/v3/asyncActions/{actionId}/result", anyUser, a.clearResult)
	a.infraRoutes()
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeReply(w, errReply(http.StatusNotFound, "logical", fmt.Sprintf("The resource %s was not found.", r.URL.Path)))
	})
}

// oauth2Error is the OAuth2Error body of the token endpoint (not the
// envelope).
type oauth2Error struct {
	Error       string  `json:"error"`
	Description string  `json:"error_description"`
	URI         *string `json:"error_uri"`
}

// oauth2Result is the token endpoint's success body.
type oauth2Result struct {
	AccessToken   string  `json:"access_token"`
	TokenType     string  `json:"token_type"`
	RefreshToken  string  `json:"refresh_token"`
	ExpiresIn     int     `json:"expires_in"`
	MFAToken      *string `json:"mfa_token"`
	EncryptedCode *string `json:"encrypted_code"`
}

func oauthErr(code, desc string) reply {
	return reply{status: http.StatusBadRequest, body: oauth2Error{Error: code, Description: desc}}
}

// token serves the password and refresh_token grants. Refresh tokens are
// single-use: a refresh returns a new pair (inferred, as VBR).
func (a *api) token(c *call) reply {
	form, err := url.ParseQuery(string(c.body))
	if err != nil || !strings.HasPrefix(c.r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return oauthErr("invalid_request", "The request body must be application/x-www-form-urlencoded.")
	}
	var user string
	switch form.Get("grant_type") {
	case "password":
		name := form.Get("username")
		if i := strings.LastIndexByte(name, '\\'); i >= 0 {
			name = name[i+1:]
		}
		if _, ok := users[name]; !ok || form.Get("password") != a.env.Password {
			return oauthErr("invalid_request", "Cannot complete login due to incorrect username or password, or no sufficient rights.")
		}
		user = name
	case "refresh_token":
		rt := form.Get("refresh_token")
		t, ok := a.st.Refresh[rt]
		if !ok || !c.now.Before(t.Expires) {
			return oauthErr("invalid_grant", "The refresh token is invalid or expired.")
		}
		delete(a.st.Refresh, rt)
		user = t.User
	case "":
		return oauthErr("invalid_request", "The grant_type parameter is required.")
	default:
		return oauthErr("unsupported_grant_type", fmt.Sprintf("The grant type %q is not supported.", form.Get("grant_type")))
	}
	access, refresh := newToken(), newToken()
	ttl := a.tokenTTL()
	a.st.Access[access] = token{User: user, Expires: c.now.Add(ttl)}
	a.st.Refresh[refresh] = token{User: user, Expires: c.now.Add(RefreshTTL)}
	c.changed = true
	return reply{status: http.StatusOK, body: oauth2Result{
		AccessToken: access, TokenType: "bearer", RefreshToken: refresh, ExpiresIn: int(ttl / time.Second),
	}}
}

// logout revokes every token of a user (a user may only log itself out;
// the administrator may log out anyone).
func (a *api) logout(c *call) reply {
	uid := c.r.PathValue("userUid")
	var target string
	for name, u := range users {
		if strings.EqualFold(u.uid, uid) {
			target = name
		}
	}
	if target == "" {
		return errReply(http.StatusNotFound, "logical", fmt.Sprintf("User %s was not found.", uid))
	}
	if target != c.user && c.user != simapi.RoleAdmin {
		return errReply(http.StatusForbidden, "security", "Access denied. The user has no rights to perform this operation.")
	}
	for k, t := range a.st.Access {
		if t.User == target {
			delete(a.st.Access, k)
		}
	}
	for k, t := range a.st.Refresh {
		if t.User == target {
			delete(a.st.Refresh, k)
		}
	}
	c.changed = true
	return emptyResponse()
}

func (a *api) listOrganizations(c *call) reply {
	return list(a.st.Organizations, len(a.st.Organizations), len(a.st.Organizations), 0)
}

func (a *api) listAgents(c *call, platform string) reply {
	all := a.st.Agents
	if platform != "" {
		all = make([]*agent, 0, len(a.st.Agents))
		for _, ag := range a.st.Agents {
			if ag.AgentPlatform == platform {
				all = append(all, ag)
			}
		}
	}
	items, total, offset, err := page(all, c.q)
	var pe *paramError
	if errors.As(err, &pe) {
		return paramReply(pe)
	}
	return list(items, total, len(items), offset)
}

func (a *api) pathAgent(c *call) (*agent, reply, bool) {
	uid := c.r.PathValue("backupAgentUid")
	ag := a.st.agent(uid)
	if ag == nil {
		return nil, errReply(http.StatusNotFound, "logical", fmt.Sprintf("Backup agent %s was not found.", uid)), false
	}
	return ag, reply{}, true
}

func (a *api) getAgent(c *call) reply {
	ag, rep, ok := a.pathAgent(c)
	if !ok {
		return rep
	}
	return data(http.StatusOK, ag)
}

// restart queues a restart: 200 EmptyResponse at once, the agent goes
// Restarting/NotRunning and after Env.Duration back to Healthy/Active, or
// with a session fault stays unhealthy. A restart requested while one is
// running joins it.
func (a *api) restart(c *call) reply {
	ag, rep, ok := a.pathAgent(c)
	if !ok {
		return rep
	}
	key := strings.ToLower(ag.InstanceUID)
	op := a.st.Restarts[key]
	if op == nil {
		fault := a.env.SessionFault(c.r.Method, c.r.URL.Path)
		op = &restartOp{
			Agent: ag.InstanceUID, Started: c.now, Duration: int64(a.env.Duration()), Fail: fault.Fail,
			Message: fault.Message, PrevStatus: ag.Status, PrevMgmt: ag.ManagementAgentStatus,
		}
		if op.Fail && op.Message == "" {
			op.Message = fmt.Sprintf("Cannot restart backup agent %s: the management agent did not respond.", ag.Name)
		}
		a.st.Restarts[key] = op
		ag.Status, ag.ManagementAgentStatus = "NotRunning", "Restarting"
		c.changed = true
	}
	if c.action != nil {
		op.Actions = append(op.Actions, c.action.ID)
		c.keepRunning = true
	}
	return emptyResponse()
}

// ownAction finds an action of the caller (others' actions are 404).
func (a *api) ownAction(c *call) (*action, reply, bool) {
	id := strings.ToLower(c.r.PathValue("actionId"))
	act, ok := a.st.Actions[id]
	if !ok || act.Initiator != users[c.user].uid {
		return nil, errReply(http.StatusNotFound, "logical", fmt.Sprintf("Async action %s was not found.", c.r.PathValue("actionId"))), false
	}
	return act, reply{}, true
}

// listActions lists the caller's running actions, oldest first.
func (a *api) listActions(c *call) reply {
	var acts []*action
	for _, act := range a.st.Actions {
		if act.Initiator == users[c.user].uid && act.Status == "running" {
			acts = append(acts, act)
		}
	}
	sort.Slice(acts, func(i, j int) bool {
		if !acts[i].Created.Equal(acts[j].Created) {
			return acts[i].Created.Before(acts[j].Created)
		}
		return acts[i].ID < acts[j].ID
	})
	infos := make([]asyncActionInfo, 0, len(acts))
	for _, act := range acts {
		infos = append(infos, act.info())
	}
	return list(infos, len(infos), len(infos), 0)
}

// actionConfig reports the result retention time in seconds.
func (a *api) actionConfig(*call) reply {
	return data(http.StatusOK, map[string]int{"resultRetentionTime": int(SucceedRetention / time.Second)})
}

func (a *api) getAction(c *call) reply {
	act, rep, ok := a.ownAction(c)
	if !ok {
		return rep
	}
	return data(http.StatusOK, act.info())
}

// actionResult answers with the original operation's response; while the
// action runs it answers 202 with the action again (inferred).
func (a *api) actionResult(c *call) reply {
	act, rep, ok := a.ownAction(c)
	if !ok {
		return rep
	}
	if act.Status == "running" {
		return a.accepted(act)
	}
	if act.Cleared || act.Result == nil {
		return errReply(http.StatusNotFound, "logical", fmt.Sprintf("The result of async action %s was cleared.", act.ID))
	}
	return reply{status: act.ResultCode, body: rawJSON(act.Result)}
}

// cancelAction cancels a running action: a restart it waits for is undone
// when no other action waits for it.
func (a *api) cancelAction(c *call) reply {
	act, rep, ok := a.ownAction(c)
	if !ok {
		return rep
	}
	if act.Status != "running" {
		return emptyResponse()
	}
	for k, op := range a.st.Restarts {
		rest := op.Actions[:0]
		for _, id := range op.Actions {
			if id != act.ID {
				rest = append(rest, id)
			}
		}
		if len(rest) == len(op.Actions) {
			continue
		}
		op.Actions = rest
		if len(rest) == 0 {
			if ag := a.st.agent(op.Agent); ag != nil {
				ag.Status, ag.ManagementAgentStatus = op.PrevStatus, op.PrevMgmt
			}
			delete(a.st.Restarts, k)
		}
	}
	a.finish(act, errReply(520, "logical", "The operation was canceled."), c.now)
	act.Status = "canceled"
	c.changed = true
	return emptyResponse()
}

func (a *api) clearResult(c *call) reply {
	act, rep, ok := a.ownAction(c)
	if !ok {
		return rep
	}
	act.Result, act.Cleared = nil, true
	c.changed = true
	return emptyResponse()
}

// rawJSON is a stored body written as is.
type rawJSON []byte

// MarshalJSON returns the stored bytes.
func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }
