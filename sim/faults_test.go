package sim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/sim"
)

// TestActThenLoseAnswer: a rule with act performs the request and then
// loses the answer (dropped or replaced by a status); the object exists
// although the client never heard of it.
func TestActThenLoseAnswer(t *testing.T) {
	t.Parallel()
	tests := map[string]sim.FaultRule{
		"drop": {API: "vbr", Method: "POST", Path: repos, Times: 1, Act: true, Drop: true},
		"500":  {API: "vbr", Method: "POST", Path: repos, Times: 1, Act: true, Status: 500},
	}
	for name, rule := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := newClock()
			s := start(t, sim.WithClock(clock), sim.WithSessionDuration(time.Second))
			s.AddFault(rule)
			status, err := post(t, s, repos, repoSpec("repo-lost"))
			clock.Advance(2 * time.Second) // the creating session ends
			switch {
			case rule.Drop && err == nil:
				t.Errorf("act+drop answered %d", status)
			case !rule.Drop && (err != nil || status != 500):
				t.Errorf("act+500 answered %d, %v", status, err)
			}
			_, _, list := vbr(t, s)(http.MethodGet, repos+"?nameFilter=repo-lost", nil)
			if got := fmtNames(list); got != "repo-lost" {
				t.Errorf("after a lost answer the server has %q, want the created repo-lost", got)
			}
			if n := s.FaultsInjected(); n != 1 {
				t.Errorf("FaultsInjected = %d, want 1", n)
			}
			want := 500
			if rule.Drop {
				want = 0
			}
			var posts []int
			for _, r := range s.Requests() {
				if r.Method == "POST" && r.Path == repos {
					posts = append(posts, r.Status)
				}
			}
			if !slices.Equal(posts, []int{want}) {
				t.Errorf("logged POST statuses %v, want [%d]", posts, want)
			}
		})
	}
}

// TestActRuleValidation: act and failSession exclude each other.
func TestActRuleValidation(t *testing.T) {
	t.Parallel()
	s := start(t)
	st, m := control(t, s, http.MethodPost, "/_sim/faults", sim.FaultRule{Path: repos, Act: true, FailSession: "x"})
	if st != http.StatusBadRequest || !strings.Contains(m["error"].(string), "act and failSession") {
		t.Errorf("POST /_sim/faults act+failSession: %d %v", st, m)
	}
	st, _ = control(t, s, http.MethodPost, "/_sim/faults", sim.FaultRule{Path: repos, Act: true, Drop: true, Times: 1})
	if st != http.StatusCreated {
		t.Errorf("POST /_sim/faults act+drop: %d", st)
	}
}

// post logs in as admin and POSTs body as JSON to path, returning the
// status or the transport error.
func post(t *testing.T, s *sim.Server, path string, body any) (int, error) {
	t.Helper()
	hc := httpClient(t, s)
	form := url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"Passw0rd!"}}
	req, _ := http.NewRequest(http.MethodPost, s.URLs().VBR+"/api/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("x-api-version", "1.3-rev2")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	j, _ := json.Marshal(body)
	req, _ = http.NewRequest(http.MethodPost, s.URLs().VBR+path, bytes.NewReader(j))
	req.Header.Set("x-api-version", "1.3-rev2")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestFaultSeed: the same fault seed repeats the fault sequence; fresh
// servers without one draw different seeds.
func TestFaultSeed(t *testing.T) {
	t.Parallel()
	sequence := func(opts ...sim.Option) ([]int, uint64) {
		s := start(t, append([]sim.Option{sim.WithFaultRate(0.5)}, opts...)...)
		hc := httpClient(t, s)
		var out []int
		for range 30 {
			req, _ := http.NewRequest(http.MethodGet, s.URLs().VBR+"/api/v1/serverInfo", nil)
			resp, err := hc.Do(req)
			if err != nil {
				out = append(out, 0)
				continue
			}
			resp.Body.Close()
			out = append(out, resp.StatusCode)
		}
		return out, s.FaultSeed()
	}
	a, seedA := sequence(sim.WithFaultSeed(42))
	b, seedB := sequence(sim.WithFaultSeed(42))
	if seedA != 42 || seedB != 42 {
		t.Errorf("FaultSeed = %d, %d, want 42", seedA, seedB)
	}
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	_, s1 := sequence()
	_, s2 := sequence()
	if s1 == s2 {
		t.Errorf("two fresh simulators drew the same fault seed %d", s1)
	}
}

// TestLostAnswerRate: --lost-answer-rate 1 performs every write and loses
// its answer, and never touches reads.
func TestLostAnswerRate(t *testing.T) {
	t.Parallel()
	s := start(t, sim.WithLostAnswerRate(1), sim.WithFaultSeed(3))
	req, _ := http.NewRequest(http.MethodGet, s.URLs().VBR+"/api/v1/serverInfo", nil)
	resp, err := httpClient(t, s).Do(req)
	if err != nil {
		t.Fatalf("a read under --lost-answer-rate: %v", err)
	}
	resp.Body.Close()
	if n := s.FaultsInjected(); n != 0 {
		t.Errorf("a read was faulted: %d", n)
	}
	// The login is a write: performed (a token is issued), answer lost.
	form := url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"Passw0rd!"}}
	req, _ = http.NewRequest(http.MethodPost, s.URLs().VBR+"/api/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("x-api-version", "1.3-rev2")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = httpClient(t, s).Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != 500 {
			t.Errorf("login under --lost-answer-rate 1 answered %d, want 500 or a dropped connection", resp.StatusCode)
		}
	}
	if n := s.FaultsInjected(); n != 1 {
		t.Errorf("FaultsInjected = %d after one write, want 1", n)
	}
	st, m := control(t, s, http.MethodGet, "/_sim/faults", nil)
	if st != 200 || m["seed"].(float64) != 3 {
		t.Errorf("GET /_sim/faults: %d %v", st, m)
	}
}
