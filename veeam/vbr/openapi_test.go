package vbr_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/openapi"
)

// TestRequestsMatchVendorOpenAPI runs every kind of call the client makes
// (token, refresh, list with filters, get, create, edit, delete, session
// polling, logs, stop, logout) and validates each request the server
// receives against the vendor OpenAPI of the revision the client speaks.
func TestRequestsMatchVendorOpenAPI(t *testing.T) {
	t.Parallel()
	for _, rev := range []string{"1.3-rev0", "1.3-rev2"} {
		t.Run(rev, func(t *testing.T) {
			t.Parallel()
			v, err := openapi.NewValidator(rev)
			if err != nil {
				t.Fatalf("NewValidator(%s): %v", rev, err)
			}
			// The check is live: a request without x-api-version fails it.
			if v.ValidateRequest(httptest.NewRequest("GET", "/api/v1/serverInfo", nil), nil) == nil {
				t.Fatal("validator accepts a request without x-api-version")
			}
			f, _ := newFakeVBR(t)
			f.version = rev
			f.repos = 3
			var mu sync.Mutex
			var problems, routes []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				verr := v.ValidateRequest(r, body)
				tmpl, _ := v.Route(r)
				mu.Lock()
				if verr != nil {
					problems = append(problems, verr.Error())
				}
				routes = append(routes, r.Method+" "+tmpl)
				mu.Unlock()
				f.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			c, clock := newClient(t, srv.URL, func(cfg *veeam.Config) { cfg.APIVersion = rev; cfg.PageSize = 2 })
			ctx := context.Background()

			repos, err := c.List(ctx, "/api/v1/backupInfrastructure/repositories", map[string][]string{
				"typeFilter": {"WinLocal", "LinuxLocal"}, "nameFilter": {"repo*"}, "orderColumn": {"Name"}, "orderAsc": {"true"},
			})
			if err != nil || len(repos) != 3 {
				t.Fatalf("List() = %d, %v", len(repos), err)
			}
			const hostID = "6745a759-2205-4cd2-b172-8ec8f7e60ef8"
			spec := veeam.Doc{
				"name": "repo-fra", "description": "", "type": "WinLocal", "hostId": hostID,
				"repository": veeam.Doc{"path": `D:\Backups`, "taskLimitEnabled": true, "maxTaskCount": 4},
				"mountServer": veeam.Doc{"mountServerSettingsType": map[string]string{"1.3-rev0": "windows", "1.3-rev2": "Windows"}[rev],
					"windows": veeam.Doc{"mountServerId": hostID, "writeCacheFolder": `D:\ViCache`, "vPowerNFSEnabled": true}},
			}
			if rev == "1.3-rev0" {
				spec["isDisabled"] = false // rev0 lists it as required without defining it
			}
			resp, err := c.Post(ctx, "/api/v1/backupInfrastructure/repositories", map[string][]string{"overwriteOwner": {"false"}}, spec)
			if err != nil {
				t.Fatal(err)
			}
			sid := veeam.String(resp.Doc, "id")
			if _, err := c.AwaitSession(ctx, sid, veeam.AwaitOptions{}); err != nil {
				t.Fatal(err)
			}
			const repoID = "88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec"
			model := veeam.Doc{"id": repoID}
			for k, val := range spec {
				model[k] = val
			}
			delete(model, "isDisabled")
			// The fake serves no repository by id: these calls exist to have
			// their request shape checked.
			_, _ = c.Get(ctx, "/api/v1/backupInfrastructure/repositories/"+repoID, nil)
			_, _ = c.Put(ctx, "/api/v1/backupInfrastructure/repositories/"+repoID, model)
			_, _ = c.Delete(ctx, "/api/v1/backupInfrastructure/repositories/"+repoID, map[string][]string{"deleteBackups": {"true"}})
			if _, err := c.SessionLogs(ctx, sid); err != nil {
				t.Fatal(err)
			}
			if err := c.StopSession(ctx, sid); err != nil {
				t.Fatal(err)
			}
			clock.Advance(850 * time.Second) // within a minute of expiry of the 900s token: next call refreshes
			if _, err := c.Get(ctx, "/api/v1/sessions/"+sid, nil); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}

			mu.Lock()
			defer mu.Unlock()
			if len(problems) > 0 {
				t.Errorf("requests that do not match the vendor OpenAPI %s:\n%v", rev, problems)
			}
			want := []string{
				"DELETE /api/v1/backupInfrastructure/repositories/{id}",
				"GET /api/v1/backupInfrastructure/repositories",
				"GET /api/v1/backupInfrastructure/repositories/{id}",
				"GET /api/v1/sessions/{id}",
				"GET /api/v1/sessions/{id}/logs",
				"POST /api/oauth2/logout",
				"POST /api/oauth2/token",
				"POST /api/v1/backupInfrastructure/repositories",
				"POST /api/v1/sessions/{id}/stop",
				"PUT /api/v1/backupInfrastructure/repositories/{id}",
			}
			slices.Sort(routes)
			if diff := cmp.Diff(want, slices.Compact(routes)); diff != "" {
				t.Errorf("documented routes exercised (-want +got):\n%s", diff)
			}
			if f.grantCount("refresh_token") != 1 {
				t.Errorf("refresh grants = %d, want 1", f.grantCount("refresh_token"))
			}
		})
	}
}
