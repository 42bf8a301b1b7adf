package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const good = `vplay_fleet: 1
defaults:
  env:
    VBR_USERNAME: admin
    VBR_PASSWORD: {from_env: FLEET_PW}
  labels: {tier: gold}
members:
  - name: ams
    labels: {region: eu}
    env:
      VBR_URL: https://ams:9419
    vars: {sites: [ams]}
  - name: nyc
    labels: {region: us, tier: silver}
    env:
      VBR_URL: https://nyc:9419
      VBR_PASSWORD: {from_file: secrets/nyc}
`

func TestParse(t *testing.T) {
	t.Parallel()
	f, ds := Parse("dir/fleet.yaml", []byte(good))
	if len(ds) > 0 {
		t.Fatalf("diagnostics: %v", ds)
	}
	if len(f.Members) != 2 {
		t.Fatalf("%d members", len(f.Members))
	}
	ams, nyc := f.Members[0], f.Members[1]
	want := map[string]string{"tier": "gold", "region": "eu"}
	if d := cmp.Diff(want, ams.Labels); d != "" {
		t.Errorf("ams labels (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{"VBR_USERNAME": "admin", "VBR_URL": "https://ams:9419"}, ams.Env); d != "" {
		t.Errorf("ams env (-want +got):\n%s", d)
	}
	if ams.Secrets["VBR_PASSWORD"].Env != "FLEET_PW" {
		t.Errorf("ams password ref %+v", ams.Secrets["VBR_PASSWORD"])
	}
	if got := nyc.Secrets["VBR_PASSWORD"].File; got != filepath.Join("dir", "secrets", "nyc") {
		t.Errorf("nyc password file %q, want it relative to the fleet file", got)
	}
	if nyc.Labels["tier"] != "silver" {
		t.Errorf("member label does not override the default: %v", nyc.Labels)
	}
	if fmt.Sprint(ams.Vars["sites"]) != "[ams]" {
		t.Errorf("ams vars %v", ams.Vars)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ text, want string }{
		"inline secret": {"vplay_fleet: 1\nmembers:\n  - name: a\n    env:\n      VBR_PASSWORD: hunter22\n",
			"f.yaml:5:21: error: env.VBR_PASSWORD looks like a secret and is written inline"},
		"inline number": {"vplay_fleet: 1\nmembers:\n  - name: a\n    env:\n      VBR_PASSWORD: 987654321\n",
			"f.yaml:5:21: error: env.VBR_PASSWORD looks like a secret and is written inline"},
		"unknown key": {"vplay_fleet: 1\nmembers:\n  - name: a\n    hosts: x\n",
			`f.yaml:4:5: error: members[0]: unknown key "hosts"`},
		"duplicate": {"vplay_fleet: 1\nmembers:\n  - name: a\n  - name: a\n",
			`f.yaml:4:5: error: member "a" is already declared at f.yaml:3:5`},
		"bad name": {"vplay_fleet: 1\nmembers:\n  - name: 'a b'\n",
			`f.yaml:3:11: error: members[0].name: "a b" does not match`},
		"syntax": {"vplay_fleet: 1\nmembers: [\n", "f.yaml:"},
		"empty":  {"", "f.yaml:1:1: error: the fleet file is empty"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, ds := Parse("f.yaml", []byte(tc.text))
			if f != nil || !ds.HasErrors() {
				t.Fatalf("no error; fleet %+v", f)
			}
			if got := ds[0].String(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %s\nwant %s...", got, tc.want)
			}
			for _, d := range ds {
				if strings.Contains(d.String()+d.Hint, "hunter22") || strings.Contains(d.String()+d.Hint, "987654321") {
					t.Errorf("the inline secret is repeated in a diagnostic: %s", d)
				}
			}
		})
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("s3cret-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := Member{Name: "a", Env: map[string]string{"VBR_URL": "u"}, Secrets: map[string]SecretRef{
		"VBR_PASSWORD": {Env: "PW"}, "EM_PASSWORD": {File: filepath.Join(dir, "pw")}}}
	r, err := Resolve(m, map[string]string{"PW": "s3cret-env", "HOME": "/h", "VBR_URL": "process"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"PW": "s3cret-env", "HOME": "/h", "VBR_URL": "u", "VBR_PASSWORD": "s3cret-env", "EM_PASSWORD": "s3cret-file"}
	if d := cmp.Diff(want, r.Env); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
	_, err = Resolve(m, map[string]string{})
	if !errors.Is(err, ErrSecretRef) || !strings.Contains(err.Error(), "PW is not set") {
		t.Errorf("missing env reference: %v", err)
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	f, _ := Parse("f.yaml", []byte(good))
	names := func(ms []Member) string {
		var s []string
		for _, m := range ms {
			s = append(s, m.Name)
		}
		return strings.Join(s, ",")
	}
	tests := map[string]struct {
		sel  []string
		want string
	}{
		"none":         {nil, "ams,nyc"},
		"label":        {[]string{"region=eu"}, "ams"},
		"alternatives": {[]string{"region=eu", "region=us"}, "ams,nyc"},
		"and":          {[]string{"region=us", "tier=gold"}, ""},
		"default":      {[]string{"tier=gold"}, "ams"},
		"name":         {[]string{"name=nyc"}, "nyc"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var sel []Selector
			for _, s := range tc.sel {
				x, err := ParseSelector(s)
				if err != nil {
					t.Fatal(err)
				}
				sel = append(sel, x)
			}
			if got := names(Select(f.Members, sel)); got != tc.want {
				t.Errorf("Select(%v) = %q, want %q", tc.sel, got, tc.want)
			}
		})
	}
	if _, err := ParseSelector("region"); err == nil {
		t.Errorf("ParseSelector without = succeeded")
	}
}

func TestShard(t *testing.T) {
	t.Parallel()
	var ms []Member
	for i := range 200 {
		ms = append(ms, Member{Name: fmt.Sprintf("vbr-%03d", i)})
	}
	for _, n := range []int{1, 2, 3, 7} {
		seen := map[string]int{}
		for i := range n {
			s, err := ParseShard(fmt.Sprintf("%d/%d", i, n), "")
			if err != nil {
				t.Fatal(err)
			}
			part := s.Filter(ms)
			if n > 1 && (len(part) == 0 || len(part) == len(ms)) {
				t.Errorf("shard %d/%d holds %d of %d members", i, n, len(part), len(ms))
			}
			for _, m := range part {
				seen[m.Name]++
			}
		}
		for _, m := range ms {
			if seen[m.Name] != 1 {
				t.Errorf("N=%d: %s in %d shards, want exactly 1", n, m.Name, seen[m.Name])
			}
		}
	}
	// Stable: the same name lands in the same shard however the fleet changes.
	s, _ := ParseShard("1/3", "")
	if s.Has("vbr-007") != (len(s.Filter([]Member{{Name: "x"}, {Name: "vbr-007"}, {Name: "y"}})) > 0 && s.Filter([]Member{{Name: "vbr-007"}}) != nil) {
		t.Errorf("Has and Filter disagree")
	}
	if s, err := ParseShard("/4", "3"); err != nil || s != (Shard{3, 4}) {
		t.Errorf("ParseShard(/4, JOB_COMPLETION_INDEX=3) = %v, %v", s, err)
	}
	for _, bad := range []string{"4/4", "x/2", "1", "1/0"} {
		if _, err := ParseShard(bad, ""); err == nil {
			t.Errorf("ParseShard(%q) succeeded", bad)
		}
	}
	if _, err := ParseShard("/2", ""); !errors.Is(err, ErrNoShardIndex) {
		t.Errorf("ParseShard(/2) without index: %v", err)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	var ms []Member
	for i := range 20 {
		ms = append(ms, Member{Name: fmt.Sprintf("m%02d", i)})
	}
	boom := errors.New("boom")
	var running, peak atomic.Int32
	work := func(_ context.Context, m Member) Report {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if m.Name == "m03" {
			return Report{Failures: 1, Err: boom}
		}
		return Report{Changes: 2}
	}
	rs := Run(context.Background(), ms, Options{Parallelism: 4}, work)
	if peak.Load() > 4 {
		t.Errorf("%d members ran at once, want <= 4", peak.Load())
	}
	for i, r := range rs {
		if r.Member != ms[i].Name {
			t.Fatalf("report %d is for %s", i, r.Member)
		}
	}
	tot := Sum(rs)
	if d := cmp.Diff(Totals{Members: 20, WithChanges: 19, Failed: 1, Changes: 38, Failures: 1}, tot); d != "" {
		t.Errorf("one failure stops others? totals (-want +got):\n%s", d)
	}
	// Fail fast, one at a time: nothing after the failing member starts.
	rs = Run(context.Background(), ms, Options{Parallelism: 1, FailFast: true}, work)
	if tot := Sum(rs); tot.Failed != 1 || tot.Skipped != 16 {
		t.Errorf("fail-fast totals %+v, want 1 failed and 16 skipped", tot)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if tot := Sum(Run(ctx, ms, Options{Parallelism: 2}, work)); tot.Skipped != 20 {
		t.Errorf("cancelled run: %+v, want every member skipped", tot)
	}
}

// TestReadFileRedacts: the source returned for printing diagnostics never
// holds an inline secret, single-line or block scalar.
func TestReadFileRedacts(t *testing.T) {
	t.Parallel()
	name := filepath.Join(t.TempDir(), "f.yaml")
	text := "vplay_fleet: 1\nmembers:\n  - name: a\n    env:\n      VBR_PASSWORD: \"hunter22\"\n      EM_TOKEN: |\n        line-one-secret\n        line-two-secret\n      VBR_URL: https://x\n"
	if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f, ds, src := ReadFile(name)
	if f != nil || len(ds) != 2 {
		t.Fatalf("fleet %v, diagnostics %v", f, ds)
	}
	for _, secret := range []string{"hunter22", "line-one-secret", "line-two-secret"} {
		if strings.Contains(string(src), secret) {
			t.Errorf("source for diagnostics holds %q:\n%s", secret, src)
		}
	}
	if !strings.Contains(string(src), "      VBR_PASSWORD: (sensitive)\n") || !strings.Contains(string(src), "VBR_URL: https://x") {
		t.Errorf("redaction went too far or not far enough:\n%s", src)
	}
}
