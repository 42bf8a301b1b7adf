package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/steps"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		args    []string
		want    []string // substrings of the output
		wantErr string
	}{
		"list": {args: nil, want: []string{"RESOURCE KINDS", "vbr.repository ", "delete: destructive",
			"em.agent_job.retry", "maintenance", "vspc.backup_agents", "DATA QUERIES"}},
		"kind": {args: []string{"vbr.recovery_token"}, want: []string{"vbr.recovery_token (resource kind, API vbr)",
			"Sensitive:  recoveryToken", "expirationDate", "required", "Example:", "kind: vbr.recovery_token"}},
		"action": {args: []string{"em.agent_job.retry"}, want: []string{"Risk:       maintenance",
			"Enterprise Manager task", "Fields of with:", "action: em.agent_job.retry"}},
		"builtin":       {args: []string{"wait"}, want: []string{"built-in action", "until", "run by the engine"}},
		"query":         {args: []string{"vbr.sessions"}, want: []string{"data query", "Fields of params:", "createdAfter"}},
		"vendor fields": {args: []string{"vbr.repository"}, want: []string{"hostId", "repository.path", "mountServer"}},
		"typo":          {args: []string{"vbr.repositroy"}, wantErr: `did you mean "vbr.repository"?`},
		"unknown":       {args: []string{"zzzzzzzzzzzzzzzzzzzzzz"}, wantErr: "run 'vplay describe' for the list"},
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
		})
	}
}
