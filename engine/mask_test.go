package engine

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine/eval"
)

// TestPlanMasksEchoedSecrets: a live object that echoes a secret() value
// in an ordinary field (the server stores what vplay sent) shows it masked
// in the plan's before and after documents, in its field diff (marked
// sensitive, shown as the placeholder only) and in the saved plan.
func TestPlanMasksEchoedSecrets(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.put("thing-a", map[string]any{"path": "/p", "note": "s3cr3t-NOTE", "label": "was s3cr3t-NOTE"})
	pb := load(t, s, `
resources:
  - kind: vbr.thing
    target: vbr
    name: thing-a
    spec: { path: /p, note: "${{ secret('NOTE') }}", label: "now" }
`)
	p := mustPlan(t, fakeEngine(t, s), pb)
	c := p.Changes[0]
	if c.Before["note"] != Sensitive || c.After["note"] != Sensitive {
		t.Errorf("note: before %v, after %v, want both %s", c.Before["note"], c.After["note"], Sensitive)
	}
	for _, d := range c.Diff {
		if d.Path.String() == "label" && (d.Before != Sensitive || d.After != Sensitive || !d.Sensitive) {
			t.Errorf("label diff = %+v, want both sides the placeholder and marked sensitive", d)
		}
	}
	var buf bytes.Buffer
	if err := WritePlan(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "s3cr3t") {
		t.Fatalf("saved plan contains a secret:\n%s", buf.String())
	}
}

// TestEnvSecretInPlan: env.X of a variable that looks secret, or that the
// playbook also reads with secret(), is sensitive in the plan.
func TestEnvSecretInPlan(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	e := fakeEngine(t, s)
	e.cfg.Env["API_TOKEN"] = "tok-0815-value"
	e.cfg.Env["NOTE"] = "note-4711-value"
	pb := load(t, s, `
resources:
  - kind: vbr.thing
    target: vbr
    name: thing-a
    spec: { path: "/p/${{ env.API_TOKEN }}", note: "${{ env.NOTE }}", label: "${{ secret('NOTE') }}" }
`)
	p := mustPlan(t, e, pb)
	for _, d := range p.Changes[0].Diff {
		if d.Path.String() != "path" && d.Path.String() != "note" {
			continue
		}
		if !d.Sensitive || d.After != Sensitive {
			t.Errorf("%s diff = %+v, want sensitive", d.Path, d)
		}
	}
	var buf bytes.Buffer
	if err := WritePlan(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "tok-0815") || strings.Contains(buf.String(), "note-4711") {
		t.Fatalf("plan shows an env secret:\n%s", buf.String())
	}
}

// TestApplyEventsMasked: an error that echoes a secret reaches observers
// masked, in the event and in the summary, with its chain intact.
func TestApplyEventsMasked(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	sentinel := errors.New("refused")
	s.fail["create thing-a"] = &echoError{msg: "password s3cr3t-PW is wrong", err: sentinel}
	e := fakeEngine(t, s)
	pb := load(t, s, `
resources:
  - kind: vbr.thing
    target: vbr
    name: thing-a
    spec: { path: /a }
`)
	p := mustPlan(t, e, pb)
	var got []Event
	_, _ = e.Apply(context.Background(), pb, p, ApplyOptions{}, ObserverFunc(func(ev Event) { got = append(got, ev) }))
	var done *ResourceDone
	for _, ev := range got {
		if d, ok := ev.(ResourceDone); ok {
			done = &d
		}
	}
	if done == nil || done.Err == nil {
		t.Fatalf("no failed ResourceDone in %v", got)
	}
	if strings.Contains(done.Err.Error(), "s3cr3t") || !strings.Contains(done.Err.Error(), "password (sensitive) is wrong") {
		t.Errorf("ResourceDone.Err = %q, want the secret masked", done.Err)
	}
	if !errors.Is(done.Err, sentinel) {
		t.Error("masked error lost its chain")
	}
	summary := got[len(got)-1].(ApplyDone).Result
	if strings.Contains(summary.Items[0].Error, "s3cr3t") {
		t.Errorf("summary shows the secret: %q", summary.Items[0].Error)
	}
}

type echoError struct {
	msg string
	err error
}

func (e *echoError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *echoError) Unwrap() error { return e.err }

// TestJournalMasked: known secrets never reach a journal file.
func TestJournalMasked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	j, err := openJournal(dir, "p.yaml", "vbr")
	if err != nil {
		t.Fatal(err)
	}
	j.known = eval.NewKnownSecrets()
	j.known.Add("s3cr3t-value")
	if err := j.put(JournalEntry{Op: "step note [s3cr3t-value]", ID: "sess-1", Started: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(j.path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cr3t") || !strings.Contains(string(b), "sess-1") {
		t.Errorf("journal file = %s", b)
	}
	if _, err := os.Stat(j.path); errors.Is(err, fs.ErrNotExist) {
		t.Error("journal not written")
	}
}

// TestCheckScheme: plain http is refused without insecure_http and warned
// about with it; https passes silently.
func TestCheckScheme(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		url      string
		insecure bool
		err      bool
		warned   bool
	}{
		"https":               {url: "https://vbr:9419"},
		"http refused":        {url: "http://vbr:9419", err: true},
		"HTTP upper refused":  {url: " HTTP://vbr:9419", err: true},
		"http allowed, loud":  {url: "http://vbr:9419", insecure: true, warned: true},
		"https with the flag": {url: "https://vbr:9419", insecure: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			warned := false
			err := checkScheme(TargetConfig{Name: "vbr", URL: tc.url, InsecureHTTP: tc.insecure}, func(string, ...any) { warned = true })
			if (err != nil) != tc.err || (tc.err && !errors.Is(err, ErrPlainHTTP)) {
				t.Errorf("checkScheme(%q) = %v, want error %v", tc.url, err, tc.err)
			}
			if warned != tc.warned {
				t.Errorf("warned = %v, want %v", warned, tc.warned)
			}
		})
	}
}

// TestPlanMasksOldSecretInLive: a field that holds a secret() value now
// is sensitive in the plan, and the live document's older value there
// (which no known secret matches any more) is masked in before and after
// as well, not only in the diff.
func TestPlanMasksOldSecretInLive(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.put("thing-a", map[string]any{"path": "/p", "auth": map[string]any{"key": "old-key-0815", "user": "u"}})
	p := mustPlan(t, fakeEngine(t, s), load(t, s, `
resources:
  - kind: vbr.thing
    target: vbr
    name: thing-a
    spec: { path: /p, auth: { key: "${{ secret('NOTE') }}", user: u } }
`))
	c := p.Changes[0]
	if c.Action != Update || len(c.Diff) != 1 || len(c.Diff[0].Fields) != 1 || !c.Diff[0].Fields[0].Sensitive {
		t.Fatalf("diff = %+v, want a sensitive auth.key change", c.Diff)
	}
	for name, doc := range map[string]map[string]any{"before": c.Before, "after": c.After} {
		if auth, _ := doc["auth"].(map[string]any); auth["key"] != Sensitive || auth["user"] != "u" {
			t.Errorf("%s auth = %v, want key masked and user kept", name, doc["auth"])
		}
	}
	var buf bytes.Buffer
	if err := WritePlan(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "old-key-0815") {
		t.Fatalf("saved plan shows the old secret:\n%s", buf.String())
	}
}

// TestWordMatches: wordMatches finds what the patterns with a leading \b
// find (the ones learnSecrets used before), including names inside a
// match that \b rejects, and in a large playbook.
func TestWordMatches(t *testing.T) {
	t.Parallel()
	oracles := map[*regexp.Regexp]*regexp.Regexp{
		secretCallRE: regexp.MustCompile(`\b` + secretCallRE.String()),
		envRefRE:     regexp.MustCompile(`\b` + envRefRE.String()),
	}
	inputs := []string{
		"",
		"secret('A')",
		`password: "${{ secret('VBR_PASSWORD') }}"`,
		"mysecret('A') secret( \"B\" ) _secret('C') 9secret('D') .secret('E')",
		"env.A env['B'] xenv.C env_x.D [env.E] env[\"F\"] env.",
		"xenv[' env.A '] aenv.xenv.Y env.xenv.Z",
		"url: ${{ env.VBR_URL }}\n# env.IN_COMMENT secret('IN_COMMENT')\n" + strings.Repeat("spec: {description: env secret}\n", 100),
	}
	for re, oracle := range oracles {
		for _, in := range inputs {
			src := []byte(in)
			want := oracle.FindAllSubmatchIndex(src, -1)
			if diff := cmp.Diff(want, wordMatches(re, src)); diff != "" {
				t.Errorf("wordMatches(%s, %q) (-want +got):\n%s", re, in, diff)
			}
		}
	}
}

// BenchmarkLearnSecretsScan scans a 4 MB playbook for secret() and env
// names (1.3 s with the \b patterns, about 30 ms with wordMatches).
func BenchmarkLearnSecretsScan(b *testing.B) {
	src := []byte(`targets: {vbr: {password: "${{ secret('VBR_PASSWORD') }}", url: "${{ env.VBR_URL }}"}}` + "\n" +
		strings.Repeat("  - {kind: vbr.repository, name: repo, spec: {description: declared repo, path: /backups/repo, maxTaskCount: 4}}\n", 40_000))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if len(wordMatches(secretCallRE, src)) != 1 || len(wordMatches(envRefRE, src)) != 1 {
			b.Fatal("want one secret() and one env reference")
		}
	}
}
