package vbrsim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/sim/simapi"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// benchAPI builds an API holding n repositories and returns it with an
// admin access token.
func benchAPI(b *testing.B, n int) (*API, string) {
	b.Helper()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	env := simapi.Env{
		Clock:        fixedClock{now},
		Duration:     func() time.Duration { return time.Second },
		SessionFault: func(string, string) simapi.SessionFault { return simapi.SessionFault{} },
		Changed:      func() {},
		Password:     "p",
	}
	api, err := New(env, nil)
	if err != nil {
		b.Fatal(err)
	}
	a := api.(*API)
	k := a.kinds[kRepositories]
	for i := range n {
		k.put(doc{
			"id": a.newID(), "name": fmt.Sprintf("repo-%06d", i), "description": "", "type": "LinuxLocal",
			"hostId": "3251ddfc-3691-4d20-a43e-860dc275147e", "uniqueId": fmt.Sprintf("u%d", i),
			"repository": doc{"path": fmt.Sprintf("/backups/%d", i), "taskLimitEnabled": true, "maxTaskCount": 4},
			"mountServer": doc{"mountServerSettingsType": "Windows", "windows": doc{
				"mountServerId": "6745a759-2205-4cd2-b172-8ec8f7e60ef8", "writeCacheFolder": `C:\cache`, "vPowerNFSEnabled": true}},
		})
	}
	tok := "bench-token"
	a.tokens.access[tok] = &accessToken{user: simapi.RoleAdmin, expires: now.Add(time.Hour)}
	return a, tok
}

// BenchmarkListRepositories serves one page of 200 out of 100,000
// repositories, ordered by name (the sorted order is cached until the next
// change), through the API handler.
func BenchmarkListRepositories(b *testing.B) {
	a, tok := benchAPI(b, 100_000)
	h := a.Handler()
	for _, q := range []string{"?skip=50000&limit=200", "?orderColumn=Name&orderAsc=false&skip=50000&limit=200", "?nameFilter=repo-0999*&limit=200"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/api/v1/backupInfrastructure/repositories"+q, nil)
				req.Header.Set("x-api-version", rev2)
				req.Header.Set("Authorization", "Bearer "+tok)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
