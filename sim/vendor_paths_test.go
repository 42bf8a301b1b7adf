package sim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/veeam/openapi"
)

// TestVendorGETPaths walks every path of each revision's vendor document:
// with a token, each GET path without path parameters answers 200 (the
// documented success status: one rev2 GET documents 201) with a body valid
// against the vendor response schema; without a token, 401 (except the
// operations the vendor documents as anonymous, serverTime and
// serverCertificate, which answer both ways). It prints "N of M vendor GET paths served" per revision.
func TestVendorGETPaths(t *testing.T) {
	t.Parallel()
	for _, rev := range openapi.Revisions {
		t.Run(rev, func(t *testing.T) {
			t.Parallel()
			v, err := openapi.NewFullValidator(rev)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := openapi.FullDoc(rev)
			if err != nil {
				t.Fatal(err)
			}
			s, err := sim.New(sim.WithStrict(true), sim.WithPlainHTTP(true))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			hc := &http.Client{Timeout: 20 * time.Second}
			t.Cleanup(hc.CloseIdleConnections)
			base := s.URLs().VBR
			token := login(t, hc, base, rev)

			var paths []string
			for p, item := range doc.Paths.Map() {
				if item.Get != nil && !strings.Contains(p, "{") {
					paths = append(paths, p)
				}
			}
			sort.Strings(paths)
			served := 0
			for _, p := range paths {
				op := doc.Paths.Value(p).Get
				public := item(op.Security)
				target := p + requiredQuery(op)
				status, hdr, body := get(t, hc, base+target, rev, token)
				want := documentedSuccess(op)
				if status != want {
					t.Errorf("GET %s with a token: %d %s, want %d", p, status, body, want)
					continue
				}
				req, _ := http.NewRequest(http.MethodGet, base+target, nil)
				req.Header.Set("x-api-version", rev)
				if err := v.ValidateResponse(req, status, hdr, body); err != nil {
					t.Errorf("GET %s: body does not match the vendor schema: %v", p, err)
					continue
				}
				anon, _, _ := get(t, hc, base+target, rev, "")
				if want := map[bool]int{false: 401, true: want}[public]; anon != want {
					t.Errorf("GET %s without a token: %d, want %d", p, anon, want)
					continue
				}
				served++
			}
			t.Logf("%s: %d of %d vendor GET paths served", rev, served, len(paths))
			if served != len(paths) || len(paths) == 0 {
				t.Errorf("%s: %d of %d vendor GET paths served, want all", rev, served, len(paths))
			}
			if errs := s.ContractErrors(); len(errs) > 0 {
				t.Errorf("contract errors:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

// item reports whether an operation's security requirements are the
// explicit empty list (anonymous).
func item(sec *openapi3.SecurityRequirements) bool { return sec != nil && len(*sec) == 0 }

func login(t *testing.T, hc *http.Client, base, rev string) string {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"Passw0rd!"}}
	req, err := http.NewRequest(http.MethodPost, base+"/api/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("x-api-version", rev)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("login at %s: %d %v", rev, resp.StatusCode, err)
	}
	return tok.AccessToken
}

func get(t *testing.T, hc *http.Client, u, rev, token string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-api-version", rev)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(fmt.Errorf("read %s: %w", u, err))
	}
	return resp.StatusCode, resp.Header, b
}

// requiredQuery returns "?a=..&b=.." with a valid value for each required
// query parameter of op (a call without them is the client's error).
func requiredQuery(op *openapi3.Operation) string {
	q := url.Values{}
	for _, ref := range op.Parameters {
		p := ref.Value
		if p == nil || p.In != "query" || !p.Required || p.Schema == nil || p.Schema.Value == nil {
			continue
		}
		s := p.Schema.Value
		switch {
		case len(s.Enum) > 0:
			q.Set(p.Name, fmt.Sprint(s.Enum[0]))
		case s.Type.Is("array") && s.Items != nil && s.Items.Value != nil && len(s.Items.Value.Enum) > 0:
			q.Set(p.Name, fmt.Sprint(s.Items.Value.Enum[0]))
		case s.Format == "uuid" || s.Type.Is("array"):
			q.Set(p.Name, "6745a759-2205-4cd2-b172-8ec8f7e60ef8")
		case s.Format == "date-time":
			q.Set(p.Name, "2026-11-23T10:00:00Z")
		case s.Type.Is("integer") || s.Type.Is("number"):
			q.Set(p.Name, "1")
		case s.Type.Is("boolean"):
			q.Set(p.Name, "false")
		default:
			q.Set(p.Name, "x")
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// documentedSuccess is the lowest 2xx status an operation documents.
func documentedSuccess(op *openapi3.Operation) int {
	for code := 200; code < 300; code++ {
		if op.Responses.Status(code) != nil {
			return code
		}
	}
	return http.StatusOK
}
