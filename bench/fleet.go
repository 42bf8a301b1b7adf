package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// fleetMembers is the fleet size of the fleet-100 scenario.
func fleetMembers(sz size) int {
	if sz == smoke {
		return 3
	}
	return 100
}

// fleetScenario is the plan of one playbook over a fleet of simulated
// servers (`vplay sim --instances N --fleet-out`, 10 ms latency each):
// `vplay plan --fleet` with the default --fleet-parallelism 8.
func fleetScenario() scenario {
	return scenario{
		name:     "plan-fleet-100",
		playbook: func(size) string { return fleetPlaybook },
		objects:  fleetMembers,
		target:   "<= 5 s, <= 300 MB",
		met:      func(r result, _ size) bool { return r.Wall <= 5 && r.PeakRSSMB <= 300 },
		custom:   measureFleet,
	}
}

// fleetPlaybook is one repository and its host lookup: a member costs a
// login, a host query and a repository list.
const fleetPlaybook = `vplay: 1
name: fleet-bench
targets:
  vbr:
    type: vbr
    url: "${{ env.VBR_URL }}"
    username: "${{ env.VBR_USERNAME }}"
    password: "${{ secret('VBR_PASSWORD') }}"
    api_version: 1.3-rev0
    tls: {fingerprint: "${{ env.VBR_FINGERPRINT }}"}
data:
  host: {target: vbr, query: vbr.managed_servers, where: 'name == "linux01.tech.local"', one: true}
resources:
  - kind: vbr.repository
    target: vbr
    name: fleet-repo
    spec:
      type: LinuxLocal
      hostId: "${{ data.host.id }}"
      mountServer:
        mountServerSettingsType: linux
        linux: {mountServerId: "${{ data.host.id }}", vPowerNFSEnabled: false, writeCacheFolder: /var/lib/veeam/cache}
      repository: {path: /backups/fleet-repo, maxTaskCount: 4}
`

// fleetProc is a running `vplay sim --instances N`.
type fleetProc struct {
	cmd    *exec.Cmd
	file   string
	urls   []string // every member's VBR_URL
	client *http.Client
}

// measureFleet starts the simulators once and plans the fleet runs times.
func measureFleet(bin, dir string, sc scenario, sz size, runs int) (result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result{}, err
	}
	pb := filepath.Join(dir, "playbook.yaml")
	if err := os.WriteFile(pb, []byte(sc.playbook(sz)), 0o644); err != nil {
		return result{}, err
	}
	r := result{Scenario: sc.name, Objects: sc.objects(sz), Wall: math.Inf(1), Target: sc.target}
	f, err := startFleet(bin, dir, fleetMembers(sz))
	if err != nil {
		return r, err
	}
	defer f.stop()
	env := []string{"XDG_STATE_HOME=" + filepath.Join(dir, "state")}
	for range runs {
		if err := f.each(http.MethodDelete, nil); err != nil {
			return r, err
		}
		wall, rss, cpu, err := runVplay(bin, []string{"plan", "--fleet", f.file, pb}, &simProc{env: envMap(env)})
		if err != nil {
			return r, err
		}
		r.Walls = append(r.Walls, wall)
		r.PeakRSSMB = max(r.PeakRSSMB, rss)
		if wall < r.Wall {
			r.Wall, r.CPU = wall, cpu
			byKind := map[string]int{}
			if err := f.each(http.MethodGet, byKind); err != nil {
				return r, err
			}
			r.ByKind = byKind
		}
	}
	for _, n := range r.ByKind {
		r.Requests += n
	}
	r.PerObject = float64(r.Requests) / float64(r.Objects)
	r.Met = sc.met(r, sz)
	return r, nil
}

func envMap(kvs []string) map[string]string {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

// startFleet starts the simulators and waits (bounded) for the fleet file.
func startFleet(bin, dir string, n int) (*fleetProc, error) {
	file := filepath.Join(dir, "fleet.yaml")
	cmd := exec.Command(bin, "sim", "--instances", fmt.Sprint(n), "--fleet-out", file, "--latency", "10ms", "--session-duration", "500ms")
	var errOut strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &errOut
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &fleetProc{cmd: cmd, file: file}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var b []byte
	for {
		var err error
		if b, err = os.ReadFile(file); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			f.stop()
			return nil, fmt.Errorf("vplay sim --instances did not start: %s", tail(errOut.String()))
		case <-time.After(50 * time.Millisecond):
		}
	}
	var doc struct {
		Members []struct {
			Env map[string]any `yaml:"env"`
		} `yaml:"members"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		f.stop()
		return nil, fmt.Errorf("read the fleet file: %w", err)
	}
	var pins []string
	for _, m := range doc.Members {
		u, _ := m.Env["VBR_URL"].(string)
		fp, _ := m.Env["VBR_FINGERPRINT"].(string)
		f.urls = append(f.urls, u)
		pins = append(pins, fp)
	}
	// Each simulator has its own certificate: trust exactly the pinned ones.
	f.client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			sum := sha256.Sum256(raw[0])
			if !slices.Contains(pins, "sha256:"+hex.EncodeToString(sum[:])) {
				return errors.New("certificate not in the fleet file")
			}
			return nil
		},
	}}}
	return f, nil
}

// each resets (DELETE) or adds up (GET, into counts) every simulator's
// vendor request counts.
func (f *fleetProc) each(method string, counts map[string]int) error {
	for _, u := range f.urls {
		req, _ := http.NewRequest(method, u+"/_sim/requests?api=all", nil)
		resp, err := f.client.Do(req)
		if err != nil {
			return err
		}
		var body struct {
			Counts map[string]int `json:"counts"`
		}
		if method == http.MethodGet {
			err = json.NewDecoder(resp.Body).Decode(&body)
		}
		resp.Body.Close()
		if err != nil {
			return err
		}
		for k, n := range body.Counts {
			if !strings.Contains(k, "/_sim/") {
				counts[k] += n
			}
		}
	}
	return nil
}

func (f *fleetProc) stop() {
	(&simProc{cmd: f.cmd}).stop()
}
