package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// control serves the /_sim/ control API (no authentication):
//
//	GET    /_sim/requests[?api=vbr|em|vspc|all]  log and counts per "METHOD template" (default: this listener's API)
//	DELETE /_sim/requests                        empty the log
//	GET    /_sim/faults                          fault rules and how often each answered, faults injected, fault seed
//	POST   /_sim/faults                          add a FaultRule (api defaults to this listener's; "act": true loses the answer of a performed request)
//	DELETE /_sim/faults                          remove every rule
//	GET    /_sim/state                           the whole state, one section per API
//	POST   /_sim/mutate                          {"api","collection","name","merge":{...}} or {...,"delete":true}
//	POST   /_sim/advance                         {"duration":"90s"}: move the clock forward
//	GET    /_sim/contract                        contract mismatches recorded in strict mode
func (s *Server) control(l *listener, w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	switch route {
	case "GET /_sim/requests":
		s.controlRequests(l, w, r)
	case "DELETE /_sim/requests":
		s.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	case "GET /_sim/faults":
		s.mu.Lock()
		type ruleUse struct {
			FaultRule
			Used int `json:"used"`
		}
		out := []ruleUse{}
		for _, f := range s.faults {
			out = append(out, ruleUse{f.rule, f.used})
		}
		injected := s.injected
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"faults": out, "injected": injected, "seed": s.faultSeed})
	case "POST /_sim/faults":
		var rule FaultRule
		if err := decodeControl(r, &rule); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		if rule.API == "" {
			rule.API = l.name
		}
		if err := rule.validate(); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		s.AddFault(rule)
		writeJSON(w, http.StatusCreated, rule)
	case "DELETE /_sim/faults":
		s.mu.Lock()
		s.faults = nil
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case "GET /_sim/state":
		st, err := s.snapshot()
		if err != nil {
			controlError(w, http.StatusInternalServerError, err)
			return
		}
		writeJSON(w, http.StatusOK, st)
	case "POST /_sim/mutate":
		s.controlMutate(w, r)
	case "POST /_sim/advance":
		var req struct {
			Duration string `json:"duration"`
		}
		if err := decodeControl(r, &req); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		d, err := time.ParseDuration(req.Duration)
		if err != nil || d < 0 {
			controlError(w, http.StatusBadRequest, fmt.Errorf("advance: duration %q is not a positive Go duration", req.Duration))
			return
		}
		s.Advance(d)
		writeJSON(w, http.StatusOK, map[string]any{"now": s.clock.Now().UTC().Format(time.RFC3339Nano)})
	case "GET /_sim/contract":
		writeJSON(w, http.StatusOK, map[string]any{"errors": nonNil(s.ContractErrors())})
	default:
		controlError(w, http.StatusNotFound, fmt.Errorf("no control endpoint %s", route))
	}
}

func (s *Server) controlRequests(l *listener, w http.ResponseWriter, r *http.Request) {
	api := r.URL.Query().Get("api")
	if api == "" {
		api = l.name
	}
	reqs := []Request{}
	counts := map[string]int{}
	for _, rq := range s.Requests() {
		if api == "all" || rq.API == api {
			reqs = append(reqs, rq)
		}
	}
	if api == "all" {
		for _, name := range apiNames {
			for k, v := range s.RequestCounts(name) {
				counts[k] += v
			}
		}
	} else {
		counts = s.RequestCounts(api)
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": reqs, "counts": counts})
}

func (s *Server) controlMutate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		API        string         `json:"api"`
		Collection string         `json:"collection"`
		Name       string         `json:"name"`
		Merge      map[string]any `json:"merge"`
		Delete     bool           `json:"delete"`
	}
	if err := decodeControl(r, &req); err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	if err := s.Mutate(req.API, req.Collection, req.Name, req.Merge, req.Delete); err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Mutate changes one object of api's state without a session, as drift
// made by hand on the server would: merge is a JSON merge patch; del
// removes the object instead.
func (s *Server) Mutate(api, collection, name string, merge map[string]any, del bool) error {
	var target *listener
	for _, l := range s.lis {
		if l.name == api && l.api != nil {
			target = l
		}
	}
	if target == nil {
		return fmt.Errorf("mutate: unknown or unsimulated api %q", api)
	}
	if err := target.api.Mutate(collection, name, merge, del); err != nil {
		return fmt.Errorf("mutate %s %s %q: %w", api, collection, name, err)
	}
	s.changed()
	return nil
}

func decodeControl(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	return nil
}

func controlError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]any{"error": err.Error()})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
