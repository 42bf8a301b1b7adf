package engine

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/veeam"
)

// targetProblem reports an error that is about reaching or logging in to a
// target at the target's declaration, with what to check next, instead of
// at the query or resource that happened to make the first call. Other
// errors are returned as nil.
func targetProblem(t *playbook.Target, url string, err error) error {
	if t == nil {
		return nil
	}
	var apiErr *veeam.APIError
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized:
		return fmt.Errorf("%s: target %q: cannot log in (check %s): %w", t.Pos, t.Name,
			orDefault(strings.Join(names(t.Username, t.Password), "/"), "the target's username and password"), err)
	case errors.As(err, &opErr), errors.As(err, &dnsErr):
		return fmt.Errorf("%s: target %q: cannot connect to %s (is the server running at %s?): %w", t.Pos, t.Name, url,
			orDefault(strings.Join(names(t.URL), " "), url), err)
	}
	return nil
}

// names lists the environment variables and secrets the values read, in
// order, without repeats.
func names(vs ...*eval.Value) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range vs {
		for _, r := range v.Refs() {
			if (r.Root == eval.RootEnv || r.Root == eval.RootSecret) && r.Key != "" && !seen[r.Key] {
				seen[r.Key] = true
				out = append(out, r.Key)
			}
		}
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// target returns the playbook's target named name, or nil.
func target(pb *playbook.Playbook, name string) *playbook.Target {
	for _, t := range pb.Targets {
		if t.Name == name {
			return t
		}
	}
	return nil
}
