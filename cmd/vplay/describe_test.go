package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/steps"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		args    []string
		want    []string // substrings of the output
		not     []string // strings the output must not hold
		wantErr string
	}{
		"list": {args: nil, want: []string{"RESOURCE KINDS", "vbr.repository ", "delete: destructive",
			"em.agent_job.retry", "maintenance", "vspc.backup_agents", "DATA QUERIES"}},
		"kind": {args: []string{"vbr.recovery_token"}, want: []string{"vbr.recovery_token (resource kind, API vbr)",
			"Sensitive:  recoveryToken", "expirationDate", "required", "Example:", "kind: vbr.recovery_token"}},
		"action": {args: []string{"em.agent_job.retry"}, want: []string{"Risk:       maintenance",
			"Enterprise Manager task", "Fields of with:", "action: em.agent_job.retry"}},
		"settings kind": {args: []string{"vbr.general_options"}, want: []string{"Risk:       no delete: one object per target, never created or deleted"},
			not: []string{"destructive"}},
		"no-delete collection": {args: []string{"vbr.mount_server"}, want: []string{"Risk:       no delete: the vendor API cannot delete these objects"},
			not: []string{"destructive"}},
		"builtin":       {args: []string{"wait"}, want: []string{"built-in action", "until", "run by the engine"}},
		"query":         {args: []string{"vbr.sessions"}, want: []string{"data query", "Fields of params:", "createdAfter"}},
		"vendor fields": {args: []string{"vbr.repository"}, want: []string{"hostId", "repository.path", "mountServer"}},
		"typo":          {args: []string{"vbr.repositroy"}, wantErr: `did you mean "vbr.repository"?`},
		"any revision":  {args: []string{"vbr.repository"}, want: []string{"Fields of spec (any VBR REST API revision", "mountServer.mountServerSettingsType", "enableTaskLimit", "taskLimitEnabled"}},
		"newest revision": {args: []string{"vbr.role"}, want: []string{"Fields of spec at VBR REST API 1.3-rev2, the newest that defines it"},
			not: []string{"any VBR REST API revision"}},
		"newest revision action": {args: []string{"vbr.job.start"}, want: []string{"Fields of with at VBR REST API 1.3-rev2, the newest that defines it"}},
		"rev2 fields": {args: []string{"vbr.repository", "--api-version", "1.3-rev2"},
			want: []string{"Fields of spec at VBR REST API 1.3-rev2:", "mountServer.mountServerSettingsType", "taskLimitEnabled"},
			not:  []string{"\n  enableTaskLimit ", "mountServer.mountServerId"}},
		"1.1 fields": {args: []string{"vbr.repository", "--api-version", "1.1-rev2"},
			want: []string{"Fields of spec at VBR REST API 1.1-rev2:", "mountServer.mountServerId", "enableTaskLimit", "tag"},
			not:  []string{"mountServerSettingsType", "taskLimitEnabled"}},
		"not in revision": {args: []string{"vbr.protection_groups", "--api-version", "1.2-rev1"},
			want: []string{"Not available at VBR REST API 1.2-rev1: from 1.3-rev0"}},
		"list at revision": {args: []string{"--api-version", "1.1-rev0"}, want: []string{"(not at 1.1-rev0: from 1.2-rev1)"}},
		"unknown revision": {args: []string{"vbr.repository", "--api-version", "1.3-rev9"}, wantErr: "known: 1.1-rev0, 1.1-rev1"},
		"unknown":          {args: []string{"zzzzzzzzzzzzzzzzzzzzzz"}, wantErr: "run 'vplay describe' for the list"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := newDescribeCmd(steps.Builtin())
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs(tc.args)
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("describe %v: error %v, want %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("describe %v: %v", tc.args, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("describe %v output lacks %q:\n%s", tc.args, w, out.String())
				}
			}
			// The fields table, without the prose and the example.
			_, fields, _ := strings.Cut(out.String(), "\nFields of ")
			fields, _, _ = strings.Cut(fields, "\nExample:")
			for _, w := range tc.not {
				if strings.Contains(fields, w) {
					t.Errorf("describe %v fields have %q:\n%s", tc.args, w, fields)
				}
			}
		})
	}
}

// TestDescribeNoDelete: the list says "no delete" for the kinds the vendor
// API cannot delete (settings objects, mount servers) and a delete risk
// for the others.
func TestDescribeNoDelete(t *testing.T) {
	t.Parallel()
	cat := steps.Builtin()
	var out bytes.Buffer
	if err := describeList(&out, cat, revisionView{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	for _, k := range cat.Kinds() {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "  "+k.Name+" ") })
		if i < 0 {
			t.Fatalf("%s is not listed:\n%s", k.Name, out.String())
		}
		noDelete := strings.Contains(lines[i], " no delete ")
		if noDelete != k.NoDelete || noDelete == strings.Contains(lines[i], "delete: ") {
			t.Errorf("%s (NoDelete %v): %q", k.Name, k.NoDelete, lines[i])
		}
	}
	for _, name := range []string{"vbr.general_options", "vbr.mount_server"} {
		if k, _ := cat.Kind(name); !k.NoDelete {
			t.Errorf("%s can be deleted?", name)
		}
	}
}
