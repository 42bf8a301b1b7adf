package sim_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/sim"
)

// TestVSPCTokenLivesOneHour: the VSPC access token keeps its 1h default;
// --token-ttl sets only the VBR token's lifetime.
func TestVSPCTokenLivesOneHour(t *testing.T) {
	t.Parallel()
	s := start(t, sim.WithTokenTTL(300e9))
	hc := httpClient(t, s)
	form := url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"Passw0rd!"}}
	req, err := http.NewRequest(http.MethodPost, s.URLs().VSPC+"/api/v3/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		ExpiresIn int `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.ExpiresIn != 3600 {
		t.Errorf("VSPC token: status %d, expires_in %d (err %v), want 3600", resp.StatusCode, tok.ExpiresIn, err)
	}
}
