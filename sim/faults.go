package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/sim/simapi"
)

// FaultRule is a deterministic fault: requests that match API, Method and
// Path are answered Times times with Status (or a dropped connection), or,
// with FailSession set, the session, task or async action they start fails
// with that message. With Act set, the server performs the request first
// and only its answer is lost (replaced by Status, or dropped): the case
// "the server acted, the client never heard". Rules come from the seed file's `faults:` section,
// from POST /_sim/faults and from Server.AddFault; the first matching rule
// with answers left wins.
type FaultRule struct {
	// API is "vbr", "em" or "vspc"; empty matches every API (POST
	// /_sim/faults defaults it to the listener's API).
	API string `json:"api,omitempty"`
	// Method is an HTTP method; empty matches any.
	Method string `json:"method,omitempty"`
	// Path is a glob over the URL path where * matches any run of
	// characters, slashes included ("/api/v1/backupInfrastructure/*").
	Path string `json:"path"`
	// Times is how many matching requests the rule answers; 0 means every
	// one.
	Times int `json:"times,omitempty"`
	// Status is the HTTP status to answer with (default 500).
	Status int `json:"status,omitempty"`
	// Message goes into the vendor-shaped error body.
	Message string `json:"message,omitempty"`
	// Body replaces the vendor-shaped error body verbatim.
	Body string `json:"body,omitempty"`
	// RetryAfter, in seconds, sets a Retry-After header (429 and 503).
	RetryAfter int `json:"retryAfter,omitempty"`
	// Drop closes the connection without an answer instead.
	Drop bool `json:"drop,omitempty"`
	// Act performs the request before the fault: the object is created,
	// the session started, the token consumed; then the answer is replaced
	// by Status or, with Drop, the connection is closed.
	Act bool `json:"act,omitempty"`
	// FailSession, when set, lets the request through and makes the
	// session it starts fail with this message.
	FailSession string `json:"failSession,omitempty"`
}

func (f FaultRule) validate() error {
	if f.Path == "" {
		return fmt.Errorf("fault rule: path is required")
	}
	switch f.API {
	case "", apiVBR, apiEM, apiVSPC:
	default:
		return fmt.Errorf("fault rule: unknown api %q (want vbr, em or vspc)", f.API)
	}
	if f.Times < 0 {
		return fmt.Errorf("fault rule: times must not be negative")
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		return fmt.Errorf("fault rule: status %d is not an error status", f.Status)
	}
	if f.Act && f.FailSession != "" {
		return fmt.Errorf("fault rule: act and failSession exclude each other (act loses the answer, failSession fails the session it starts)")
	}
	return nil
}

// faultState is a rule with the number of answers it has given.
type faultState struct {
	rule FaultRule
	used int
}

func (f *faultState) matches(api, method, path string, session bool) bool {
	r := f.rule
	if (r.FailSession != "") != session {
		return false
	}
	if r.Times > 0 && f.used >= r.Times {
		return false
	}
	if r.API != "" && r.API != api {
		return false
	}
	if r.Method != "" && !strings.EqualFold(r.Method, method) {
		return false
	}
	return globMatch(r.Path, path)
}

// globMatch matches s against pattern where * matches any run of
// characters, slashes included.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last)
}

// takeFault returns the first answering rule that matches and counts its use.
func (s *Server) takeFault(api, method, path string) (FaultRule, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.matches(api, method, path, false) {
			f.used++
			s.injected++
			return f.rule, true
		}
	}
	return FaultRule{}, false
}

// sessionFault decides whether the operation started by (method, path) on
// api fails: a deterministic rule first, then the --fail-sessions rate.
func (s *Server) sessionFault(api, method, path string) simapi.SessionFault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.matches(api, method, path, true) {
			f.used++
			s.injected++
			return simapi.SessionFault{Fail: true, Message: f.rule.FailSession}
		}
	}
	if s.opts.failSessions > 0 && s.faultRng.Float64() < s.opts.failSessions {
		s.injected++
		return simapi.SessionFault{Fail: true, Message: "Simulated failure (--fail-sessions)."}
	}
	return simapi.SessionFault{}
}

// randomFault draws a random fault for a request: first --fault-rate (the
// request is refused: 500, 503, 429 or a dropped connection), then, for
// writes only, --lost-answer-rate (the request is performed and its answer
// lost: 500 or a dropped connection).
func (s *Server) randomFault(method string) (FaultRule, bool) {
	if s.opts.faultRate <= 0 && s.opts.lostAnswerRate <= 0 {
		return FaultRule{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.faultRate > 0 && s.faultRng.Float64() < s.opts.faultRate {
		s.injected++
		switch k := []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests, -1}[s.faultRng.IntN(4)]; k {
		case -1:
			return FaultRule{Drop: true}, true
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			return FaultRule{Status: k, RetryAfter: 1}, true
		default:
			return FaultRule{Status: k}, true
		}
	}
	if method != http.MethodGet && s.opts.lostAnswerRate > 0 && s.faultRng.Float64() < s.opts.lostAnswerRate {
		s.injected++
		if s.faultRng.IntN(2) == 0 {
			return FaultRule{Act: true, Drop: true}, true
		}
		return FaultRule{Act: true, Status: http.StatusInternalServerError}, true
	}
	return FaultRule{}, false
}

// FaultsInjected is the number of faults injected so far: rule answers,
// failed sessions and random faults of every kind.
func (s *Server) FaultsInjected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injected
}

// FaultSeed is the seed of the fault random generator (WithFaultSeed, or
// drawn at random when not given): pass it again to repeat a run's faults.
func (s *Server) FaultSeed() uint64 { return s.faultSeed }

// writeFault answers a request with a fault. It reports false when the
// connection could not be dropped (no hijacker), after answering 503.
func writeFault(w http.ResponseWriter, r *http.Request, api string, rule FaultRule) {
	if rule.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		rule.Status = http.StatusServiceUnavailable
	}
	status := rule.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if rule.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(rule.RetryAfter))
	}
	if rule.Body != "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(rule.Body))
		return
	}
	msg := rule.Message
	if msg == "" {
		msg = "Simulated fault: " + http.StatusText(status) + "."
	}
	writeVendorError(w, r, api, status, msg)
}

// writeVendorError writes an error body in the shape each vendor uses.
func writeVendorError(w http.ResponseWriter, r *http.Request, api string, status int, msg string) {
	switch api {
	case apiEM:
		// Enterprise Manager: XML <Error> unless JSON is asked for; the JSON
		// shape is inferred (see the API reference 2.2).
		if strings.Contains(r.Header.Get("Accept"), "json") {
			writeJSON(w, status, map[string]any{"Message": msg, "StatusCode": status, "Status": emStatus(status)})
			return
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<Error xmlns="http://www.veeam.com/ent/v1.0" Message="%s" StatusCode="%d" Status="%s" />`,
			xmlEscape(msg), status, emStatus(status))
	case apiVSPC:
		// VSPC: the data/meta/errors envelope; every server error is 520.
		typ := "logical"
		if status >= 500 || status == http.StatusTooManyRequests {
			typ = "retryableLogical"
		}
		code := status
		if status >= 500 {
			status = 520
		}
		writeJSON(w, status, map[string]any{"data": nil, "meta": nil,
			"errors": []any{map[string]any{"message": msg, "type": typ, "code": code}}})
	default:
		code := "UnknownError"
		switch status {
		case http.StatusUnauthorized, http.StatusForbidden:
			code = "AccessDenied"
		case http.StatusNotFound:
			code = "NotFound"
		case http.StatusMethodNotAllowed:
			code = "MethodNotAllowed"
		case http.StatusBadRequest:
			code = "UnexpectedContent"
		case http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusTooManyRequests:
			code = "ServiceUnavailable"
		}
		writeJSON(w, status, map[string]any{"errorCode": code, "message": msg})
	}
}

func emStatus(status int) string {
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")
	return r.Replace(s)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "sim: encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
