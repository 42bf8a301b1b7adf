package sim

import (
	"net/http"
	"strings"
	"testing"
)

// TestVendorContractEmptyNoContent: the rev0 document gives every DELETE's
// 204 a JSON body, but the server (and HTTP) sends none; the strict check
// accepted no real delete answer, so the simulator answered 500 after
// deleting.
func TestVendorContractEmptyNoContent(t *testing.T) {
	t.Parallel()
	const id = "3ed2b061-1e97-4a9c-be87-c83e7ed97c2d"
	tests := map[string]struct {
		rev, method, path string
		status            int
		body              string
		wantErr           string
	}{
		"rev0 repository delete":    {rev: "1.3-rev0", method: http.MethodDelete, path: "/api/v1/backupInfrastructure/repositories/" + id, status: 204},
		"rev0 scale-out delete":     {rev: "1.3-rev0", method: http.MethodDelete, path: "/api/v1/backupInfrastructure/scaleOutRepositories/" + id, status: 204},
		"rev0 recovery token":       {rev: "1.3-rev0", method: http.MethodDelete, path: "/api/v1/agents/recoveryTokens/" + id, status: 204},
		"rev2 repository delete":    {rev: "1.3-rev2", method: http.MethodDelete, path: "/api/v1/backupInfrastructure/repositories/" + id, status: 204},
		"rev0 body of a wrong type": {rev: "1.3-rev0", method: http.MethodDelete, path: "/api/v1/backupInfrastructure/repositories/" + id, status: 204, body: `[1]`, wantErr: "response 204"},
		"rev0 undocumented 200":     {rev: "1.3-rev0", method: http.MethodDelete, path: "/api/v1/backupInfrastructure/repositories/" + id, status: 200, wantErr: "status 200"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := openapiContract(tc.rev)
			if err != nil {
				t.Fatalf("openapiContract(%q): %v", tc.rev, err)
			}
			r, _ := http.NewRequest(tc.method, "https://127.0.0.1"+tc.path, nil)
			r.Header.Set("x-api-version", tc.rev)
			h := http.Header{}
			if tc.body != "" {
				h.Set("Content-Type", "application/json")
			}
			err = c.ValidateResponse(r, tc.status, h, []byte(tc.body))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("ValidateResponse(%s %s %d) = %v, want nil", tc.method, tc.path, tc.status, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("ValidateResponse(%s %s %d) = %v, want an error containing %q", tc.method, tc.path, tc.status, err, tc.wantErr)
			}
		})
	}
}
