package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/google/go-cmp/cmp"
)

func TestReviewNavigation(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		keys []string
		want string
	}{
		"starts on the first group":    {nil, "vbr/vbr.repository"},
		"down moves to the first item": {[]string{"down"}, "vbr/vbr.repository/repo-ams"},
		"j moves like down":            {[]string{"j", "j"}, "vbr/vbr.repository/repo-fra"},
		"k moves back":                 {[]string{"j", "j", "k"}, "vbr/vbr.repository/repo-ams"},
		"up stops at the top":          {[]string{"up", "up"}, "vbr/vbr.repository"},
		"down stops at the bottom":     {repeat("j", 40), "step.failover"},
		"G goes to the last row":       {[]string{"G"}, "step.failover"},
		"g goes back to the first":     {[]string{"G", "g"}, "vbr/vbr.repository"},
		"page down jumps a page":       {[]string{"pgdown"}, "step.failover"},
		"steps are listed":             {repeat("j", 9), "step.retry"},
		"collapse moves to the header": {[]string{"j", "j", "enter"}, "vbr/vbr.repository"},
		"collapsed group is skipped":   {[]string{"enter", "j"}, "vbr/vbr.job"},
		"expand again shows the items": {[]string{"enter", "enter", "j"}, "vbr/vbr.repository/repo-ams"},
		"d keeps the selected row":     {[]string{"j", "j", "j", "d"}, "vbr/vbr.repository/repo-old"},
		"d lists unchanged resources":  {[]string{"d", "j", "j", "j", "j"}, "vbr/vbr.repository/repo-same"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := NewReviewModel(testPlan(), Options{Width: 100, Height: 30})
			pressAll(t, m, tc.keys...)
			if diff := cmp.Diff(tc.want, m.Selected()); diff != "" {
				t.Errorf("Selected() after %v: -want +got:\n%s", tc.keys, diff)
			}
		})
	}
}

func repeat(k string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = k
	}
	return out
}

func TestReviewFilterAndToggle(t *testing.T) {
	t.Parallel()
	type want struct {
		Rows      int
		Filter    string
		ShowNoOp  bool
		Selected  string
		Filtering bool
	}
	tests := map[string]struct {
		keys []string
		want want
	}{
		// 3 change groups + steps group = 4 headers; 5 shown changes + 3 steps.
		"everything but unchanged": {nil, want{Rows: 12, Selected: "vbr/vbr.repository"}},
		"d shows unchanged":        {[]string{"d"}, want{Rows: 13, ShowNoOp: true, Selected: "vbr/vbr.repository"}},
		"d twice hides again":      {[]string{"d", "d"}, want{Rows: 12, Selected: "vbr/vbr.repository"}},
		"filter by name while typing": {[]string{"/", "f", "r", "a"},
			want{Rows: 2, Filter: "fra", Selected: "vbr/vbr.repository", Filtering: true}},
		"filter is case-insensitive": {[]string{"/", "A", "C", "M", "E", "enter"},
			want{Rows: 2, Filter: "ACME", Selected: "vspc/vspc.company"}},
		"filter matches steps": {[]string{"/", "r", "e", "t", "r", "y", "enter"},
			want{Rows: 2, Filter: "retry", Selected: "steps"}},
		"backspace edits the filter": {[]string{"/", "f", "r", "x", "backspace", "enter"},
			want{Rows: 2, Filter: "fr", Selected: "vbr/vbr.repository"}},
		"enter keeps the filter, esc clears it": {[]string{"/", "f", "r", "a", "enter", "esc"},
			want{Rows: 12, Selected: "vbr/vbr.repository"}},
		"esc while typing clears": {[]string{"/", "f", "r", "esc"},
			want{Rows: 12, Selected: "vbr/vbr.repository"}},
		"no match shows nothing": {[]string{"/", "z", "z", "z", "enter"},
			want{Rows: 0, Filter: "zzz"}},
		"filter keeps the selection": {[]string{"j", "/", "a", "m", "s"},
			want{Rows: 2, Filter: "ams", Selected: "vbr/vbr.repository/repo-ams", Filtering: true}},
		"keys are text while filtering": {[]string{"/", "q", "d", "j"},
			want{Rows: 0, Filter: "qdj", Filtering: true}},
		"unchanged only with d": {[]string{"/", "s", "a", "m", "e", "enter"},
			want{Rows: 0, Filter: "same"}},
		"unchanged with d and filter": {[]string{"d", "/", "s", "a", "m", "e", "enter"},
			want{Rows: 2, Filter: "same", ShowNoOp: true, Selected: "vbr/vbr.repository"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := NewReviewModel(testPlan(), Options{Width: 100, Height: 30})
			if cmd := pressAll(t, m, tc.keys...); isQuit(cmd) {
				t.Fatalf("keys %v quit the review", tc.keys)
			}
			got := want{Rows: m.Rows(), Filter: m.Filter(), ShowNoOp: m.ShowNoOp(), Selected: m.Selected(), Filtering: m.filter.typing}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("after %v: -want +got:\n%s", tc.keys, diff)
			}
		})
	}
}

func TestReviewApproval(t *testing.T) {
	t.Parallel()
	type want struct {
		Approved, Aborted, Quit bool
	}
	tests := map[string]struct {
		approve bool
		keys    []string
		want    want
	}{
		"a approves":                  {true, []string{"a"}, want{Approved: true, Quit: true}},
		"typing yes approves":         {true, []string{"y", "e", "s"}, want{Approved: true, Quit: true}},
		"YES in capitals approves":    {true, []string{"Y", "E", "S"}, want{Approved: true, Quit: true}},
		"yes after a typo approves":   {true, []string{"y", "x", "y", "e", "s"}, want{Approved: true, Quit: true}},
		"yyes approves":               {true, []string{"y", "y", "e", "s"}, want{Approved: true, Quit: true}},
		"ye is not enough":            {true, []string{"y", "e"}, want{}},
		"yes broken by a key":         {true, []string{"y", "e", "j", "s"}, want{}},
		"q aborts":                    {true, []string{"q"}, want{Aborted: true, Quit: true}},
		"esc aborts":                  {true, []string{"esc"}, want{Aborted: true, Quit: true}},
		"ctrl+c aborts":               {true, []string{"ctrl+c"}, want{Aborted: true, Quit: true}},
		"esc clears a filter first":   {true, []string{"/", "x", "enter", "esc"}, want{}},
		"a in the filter is text":     {true, []string{"/", "a"}, want{}},
		"navigation then a":           {true, []string{"j", "j", "enter", "d", "a"}, want{Approved: true, Quit: true}},
		"a does nothing in plan":      {false, []string{"a"}, want{}},
		"yes does nothing in plan":    {false, []string{"y", "e", "s"}, want{}},
		"q quits plan":                {false, []string{"q"}, want{Aborted: true, Quit: true}},
		"esc does not quit plan":      {false, []string{"esc"}, want{}},
		"keys after quit are ignored": {true, []string{"q", "a"}, want{Aborted: true}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := NewReviewModel(testPlan(), Options{Width: 100, Height: 30, Approve: tc.approve})
			cmd := pressAll(t, m, tc.keys...)
			got := want{Approved: m.Approved(), Aborted: m.Aborted(), Quit: isQuit(cmd)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("after %v: -want +got:\n%s", tc.keys, diff)
			}
		})
	}
}

func TestReviewAbortMsg(t *testing.T) {
	t.Parallel()
	m := NewReviewModel(testPlan(), Options{Approve: true})
	_, cmd := m.Update(abortMsg{})
	if !isQuit(cmd) || !m.Aborted() || m.Approved() {
		t.Errorf("abortMsg: quit=%v aborted=%v approved=%v, want quit and aborted only", isQuit(cmd), m.Aborted(), m.Approved())
	}
}

func TestReviewSensitiveNeverShown(t *testing.T) {
	t.Parallel()
	p := testPlan()
	// Even a value that slipped through unmasked stays hidden when the
	// field is flagged sensitive.
	p.Changes[1].Diff[2].Before = "hunter2"
	p.Changes[1].Diff[2].After = "correct horse"
	m := NewReviewModel(p, Options{Width: 120, Height: 40, NoColor: true})
	pressAll(t, m, "j", "j")
	screen := m.Render()
	if !strings.Contains(screen, "~ password = (sensitive)") {
		t.Errorf("sensitive field not shown masked:\n%s", screen)
	}
	for _, secret := range []string{"hunter2", "correct horse"} {
		if strings.Contains(screen, secret) {
			t.Errorf("screen shows secret %q:\n%s", secret, screen)
		}
	}
}

func TestReviewRenderFits(t *testing.T) {
	t.Parallel()
	sizes := map[string]struct{ w, h int }{
		"tiny":     {30, 8},
		"small":    {60, 15},
		"standard": {100, 30},
		"wide":     {200, 60},
	}
	for name, sz := range sizes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, keys := range [][]string{nil, {"j", "j"}, {"?"}, {"d", "G"}, {"/", "r"}} {
				m := NewReviewModel(testPlan(), Options{Width: sz.w, Height: sz.h, NoColor: true, Approve: true})
				pressAll(t, m, keys...)
				checkSize(t, m.Render(), sz.w, sz.h)
			}
		})
	}
}

func TestReviewDetail(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		keys []string
		want []string
	}{
		"create lists added fields": {[]string{"j"}, []string{
			"+ create vbr/vbr.repository/repo-ams", "playbooks/quickstart.yaml:12:5",
			"+ repository {", "+ maxTaskCount = 4", `+ path         = "D:\\Backups"`}},
		"long strings diff by word": {[]string{"j", "j"}, []string{
			"~ description =", "Frankfurt{+ and Munich+} office", "~ maxTaskCount = 2 -> 8"}},
		"delete says the object goes": {[]string{"j", "j", "j"}, []string{
			"- delete vbr/vbr.repository/repo-old [destructive]", "the live object will be deleted"}},
		"drift shows its reason": {[]string{"j", "j", "j", "j", "j"}, []string{
			"! drift vbr/vbr.job/job-daily", "reason: policy observe", `~ time = "22:00" -> "23:00"`}},
		"lists show their elements": {repeat("j", 7), []string{`+ tags = [`, `+ "gold"`}},
		"step shows summary and items": {repeat("j", 9), []string{
			"» step retry (Retry failed jobs)", "action vbr.job.retry · target vbr", "retry 2 failed jobs", "• job-b"}},
		"skipped step shows the condition": {repeat("j", 10), []string{"skipped: env.STAGE == 'prod'"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := NewReviewModel(testPlan(), Options{Width: 100, Height: 30, NoColor: true})
			pressAll(t, m, tc.keys...)
			detail := strings.Join(m.detailLines(), "\n")
			for _, w := range tc.want {
				if !strings.Contains(detail, w) {
					t.Errorf("detail after %v lacks %q:\n%s", tc.keys, w, detail)
				}
			}
		})
	}
}

func TestReviewLargePlanScrolls(t *testing.T) {
	t.Parallel()
	m := NewReviewModel(bigPlan(5000), Options{Width: 100, Height: 30, NoColor: true})
	pressAll(t, m, "G")
	screen := m.Render()
	checkSize(t, screen, 100, 30)
	if !strings.Contains(screen, "res-04994") || !strings.Contains(screen, "> ") {
		t.Errorf("last page does not show the last changes:\n%s", screen)
	}
	pressAll(t, m, "g")
	if got, want := m.Selected(), "vbr0/vbr.kind0"; got != want {
		t.Errorf("Selected() after g = %q, want %q", got, want)
	}
}

func BenchmarkReviewUpdateView(b *testing.B) {
	m := NewReviewModel(bigPlan(5000), Options{Width: 120, Height: 40})
	down, up := press("down"), press("up")
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		// Scroll down through the whole list and back up, one row per op.
		k := down
		if (i/6000)%2 == 1 {
			k = up
		}
		m.Update(k)
		_ = m.View()
	}
}

// TestFilterInput: the filter on its own, key by key.
func TestFilterInput(t *testing.T) {
	t.Parallel()
	press := func(s string) tea.KeyPressMsg {
		switch s {
		case "esc":
			return tea.KeyPressMsg{Code: tea.KeyEscape}
		case "enter":
			return tea.KeyPressMsg{Code: tea.KeyEnter}
		case "backspace":
			return tea.KeyPressMsg{Code: tea.KeyBackspace}
		case "ctrl+c":
			return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
		}
		return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
	}
	tests := map[string]struct {
		keys    []string
		text    string
		typing  bool
		results []filterResult
	}{
		"typed text":           {[]string{"a", "b"}, "ab", true, []filterResult{filterChanged, filterChanged}},
		"backspace":            {[]string{"a", "b", "backspace"}, "a", true, []filterResult{filterChanged, filterChanged, filterChanged}},
		"enter keeps":          {[]string{"a", "enter"}, "a", false, []filterResult{filterChanged, filterKept}},
		"esc clears":           {[]string{"a", "esc"}, "", false, []filterResult{filterChanged, filterChanged}},
		"ctrl+c aborts":        {[]string{"a", "ctrl+c"}, "a", true, []filterResult{filterChanged, filterAbort}},
		"backspace when empty": {[]string{"backspace"}, "", true, []filterResult{filterChanged}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := filterInput{typing: true}
			var got []filterResult
			for _, k := range tc.keys {
				got = append(got, f.key(press(k)))
			}
			if f.text != tc.text || f.typing != tc.typing || !cmp.Equal(got, tc.results) {
				t.Errorf("after %v: text %q typing %v results %v; want %q %v %v", tc.keys, f.text, f.typing, got, tc.text, tc.typing, tc.results)
			}
		})
	}
}

// TestApprovalPrompt: "yes" approves only when typed in full; any other
// key starts over, and "y" always starts a new attempt.
func TestApprovalPrompt(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		typed string
		want  bool
	}{
		"yes":            {"yes", true},
		"YES":            {"YES", true},
		"ye":             {"ye", false},
		"yex then yes":   {"yexyes", true},
		"yyes":           {"yyes", true},
		"no":             {"no", false},
		"yes with extra": {"yess", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var p approvalPrompt
			got := false
			for _, r := range tc.typed {
				got = p.typeYes(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			if got != tc.want {
				t.Errorf("typing %q: approved %v, want %v (typed %q)", tc.typed, got, tc.want, p.typed)
			}
		})
	}
}
