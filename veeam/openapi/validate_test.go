package openapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	hostID  = "f13af962-34af-4c1a-a272-edfac05ac2af"
	mountID = "6745a759-2205-4cd2-b172-8ec8f7e60ef8"
)

// linuxLocal returns a LinuxLocal RepositorySpec body for a revision, with
// the mount server in the nested form (casing per revision).
func linuxLocal(rev string, maxTasks string) string {
	kind := "linux"
	if rev == "1.3-rev2" {
		kind = "Linux"
	}
	return `{"name":"repo-ams","description":"Managed by vplay","type":"LinuxLocal","hostId":"` + hostID + `",
	 "repository":{"path":"/backups/ams","taskLimitEnabled":true,"maxTaskCount":` + maxTasks + `,
	   "advancedSettings":{"RotatedDriveCleanupMode":"Disabled","perVmBackup":true}},
	 "mountServer":{"mountServerSettingsType":"` + kind + `","linux":{"mountServerId":"` + mountID + `","writeCacheFolder":"/var/cache","vPowerNFSEnabled":true}}}`
}

type reqCase struct {
	rev, method, target string
	header              map[string]string
	body                string
	want                []string // problems; nil = valid
	wantIs              error
}

func newRequest(tc reqCase) *http.Request {
	r := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
	for k, v := range tc.header {
		r.Header.Set(k, v)
	}
	return r
}

func jsonHeader(rev string) map[string]string {
	return map[string]string{"x-api-version": rev, "Content-Type": "application/json", "Authorization": "Bearer x"}
}

func TestValidateRequest(t *testing.T) {
	t.Parallel()
	const repos = "/api/v1/backupInfrastructure/repositories"
	tests := map[string]reqCase{
		"rev0 LinuxLocal spec": {rev: "1.3-rev0", method: "POST", target: repos, header: jsonHeader("1.3-rev0"), body: linuxLocal("1.3-rev0", "4")},
		"rev2 LinuxLocal spec": {rev: "1.3-rev2", method: "POST", target: repos, header: jsonHeader("1.3-rev2"), body: linuxLocal("1.3-rev2", "4")},
		"rev0 flat mount server of the vendor examples": {rev: "1.3-rev0", method: "POST", target: repos, header: jsonHeader("1.3-rev0"),
			body: `{"name":"r","description":"","type":"LinuxLocal","hostId":"` + hostID + `","repository":{"path":"/b"},
			 "mountServer":{"mountServerId":"` + mountID + `","writeCacheFolder":"C:\\c","vPowerNFSEnabled":true,"vPowerNFSPortSettings":{"mountPort":1058,"vPowerNFSPort":2049}}}`},
		"rev2 without mount server": {rev: "1.3-rev2", method: "POST", target: repos, header: jsonHeader("1.3-rev2"),
			body: `{"name":"r","description":"","type":"LinuxLocal","hostId":"` + hostID + `","repository":{"path":"/b"}}`},
		"wrong field type": {rev: "1.3-rev0", method: "POST", target: repos, header: jsonHeader("1.3-rev0"), body: linuxLocal("1.3-rev0", `"four"`),
			want: []string{`request body: /repository/maxTaskCount: value must be an integer, got string`}},
		"wrong field type rev2": {rev: "1.3-rev2", method: "POST", target: repos, header: jsonHeader("1.3-rev2"), body: linuxLocal("1.3-rev2", `"four"`),
			want: []string{`request body: /repository/maxTaskCount: value must be an integer, got string`}},
		"missing required field": {rev: "1.3-rev2", method: "POST", target: repos, header: jsonHeader("1.3-rev2"),
			body: strings.Replace(linuxLocal("1.3-rev2", "4"), `"name":"repo-ams",`, "", 1),
			want: []string{`request body: property "name" is missing`}},
		"missing nested required field": {rev: "1.3-rev2", method: "POST", target: repos, header: jsonHeader("1.3-rev2"),
			body: strings.Replace(linuxLocal("1.3-rev2", "4"), `"path":"/backups/ams",`, "", 1),
			want: []string{`request body: /repository: property "path" is missing`}},
		"enum casing of the other revision": {rev: "1.3-rev2", method: "POST", target: repos, header: jsonHeader("1.3-rev2"), body: linuxLocal("1.3-rev0", "4"),
			want: []string{`request body: /mountServer/mountServerSettingsType: value is not one of the allowed values ["Windows","Linux","Both"]`}},
		"bad uuid": {rev: "1.3-rev0", method: "POST", target: repos, header: jsonHeader("1.3-rev0"),
			body: strings.Replace(linuxLocal("1.3-rev0", "4"), hostID, "linux01", 1),
			want: []string{`request body: /hostId: value must be a "uuid" string`}},
		"unknown discriminator value": {rev: "1.3-rev0", method: "POST", target: repos, header: jsonHeader("1.3-rev0"),
			body: `{"name":"r","description":"","type":"Tape"}`,
			want: []string{`request body: discriminator property "type" has invalid value "Tape" (expected one of: AmazonS3, AmazonS3Glacier, AmazonSnowballEdge, AzureArchive, AzureBlob, AzureDataBox, GoogleCloud, IBMCloud, LinuxHardened, LinuxLocal, Nfs, S3Compatible, Smb, VeeamDataCloudVault, WasabiCloud, WinLocal)`}},
		"malformed json": {rev: "1.3-rev0", method: "POST", target: repos, header: jsonHeader("1.3-rev0"), body: `{"name":`,
			want: []string{`request body: failed to decode request body: unexpected EOF`}},
		"wrong content type": {rev: "1.3-rev0", method: "POST", target: repos,
			header: map[string]string{"x-api-version": "1.3-rev0", "Content-Type": "text/plain"}, body: linuxLocal("1.3-rev0", "4"),
			want: []string{`request body: header Content-Type has unexpected value "text/plain"`}},
		"unknown api version passes the schema": {rev: "1.3-rev0", method: "GET", target: repos, header: map[string]string{"x-api-version": "9.9-rev9"}},
		"missing api version": {rev: "1.3-rev0", method: "GET", target: repos + "/" + hostID,
			want: []string{`header parameter "x-api-version": value is required but missing`}},
		"query parameters": {rev: "1.3-rev2", method: "GET", target: repos + "?skip=0&limit=50&orderColumn=Name&orderAsc=true&nameFilter=repo-*&typeFilter=LinuxLocal",
			header: map[string]string{"x-api-version": "1.3-rev2"}},
		"bad query parameters": {rev: "1.3-rev2", method: "GET", target: repos + "?limit=ten&orderColumn=Size",
			header: map[string]string{"x-api-version": "1.3-rev2"},
			want: []string{
				`query parameter "limit": value ten: an invalid integer: invalid syntax`,
				`query parameter "orderColumn": value is not one of the allowed values ["Name","Description","Type","Host","Path"]`,
			}},
		"token password grant": {rev: "1.3-rev0", method: "POST", target: "/api/oauth2/token",
			header: map[string]string{"x-api-version": "1.3-rev0", "Content-Type": "application/x-www-form-urlencoded"},
			body:   "grant_type=password&username=admin&password=Passw0rd%21"},
		"token lower-case grant in rev2": {rev: "1.3-rev2", method: "POST", target: "/api/oauth2/token",
			header: map[string]string{"x-api-version": "1.3-rev2", "Content-Type": "application/x-www-form-urlencoded"},
			body:   "grant_type=refresh_token&refresh_token=abc&use_short_term_refresh=true"},
		"token bad grant": {rev: "1.3-rev0", method: "POST", target: "/api/oauth2/token",
			header: map[string]string{"x-api-version": "1.3-rev0", "Content-Type": "application/x-www-form-urlencoded"},
			body:   "grant_type=magic&username=admin&password=s3cret",
			want:   []string{`request body: /grant_type: value is not one of the allowed values ["password","refresh_token","authorization_code","vbr_token"]`}},
		"token without grant": {rev: "1.3-rev0", method: "POST", target: "/api/oauth2/token",
			header: map[string]string{"x-api-version": "1.3-rev0", "Content-Type": "application/x-www-form-urlencoded"},
			body:   "username=admin&password=s3cret",
			want:   []string{`request body: property "grant_type" is missing`}},
		"recovery token spec": {rev: "1.3-rev2", method: "POST", target: "/api/v1/agents/recoveryTokens", header: jsonHeader("1.3-rev2"),
			body: `{"backupIds":["` + hostID + `"],"expirationDate":"2027-01-01T00:00:00Z"}`},
		"recovery token bad date": {rev: "1.3-rev2", method: "POST", target: "/api/v1/agents/recoveryTokens", header: jsonHeader("1.3-rev2"),
			body: `{"backupIds":["` + hostID + `"],"expirationDate":"tomorrow"}`,
			want: []string{`request body: /expirationDate: value must be a "date-time" string`}},
		"sealed mode": {rev: "1.3-rev0", method: "POST", target: "/api/v1/backupInfrastructure/scaleOutRepositories/" + hostID + "/enableSealedMode",
			header: jsonHeader("1.3-rev0"), body: `{"repositoryIds":["` + mountID + `"]}`},
		"logout without body": {rev: "1.3-rev2", method: "POST", target: "/api/oauth2/logout", header: map[string]string{"x-api-version": "1.3-rev2"}},
		"unknown path":        {rev: "1.3-rev0", method: "GET", target: "/api/v1/jobs", header: jsonHeader("1.3-rev0"), wantIs: ErrNotFound},
		"undocumented method": {rev: "1.3-rev0", method: "PATCH", target: repos + "/" + hostID, header: jsonHeader("1.3-rev0"), wantIs: ErrMethodNotAllowed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, err := NewValidator(tc.rev)
			if err != nil {
				t.Fatal(err)
			}
			r := newRequest(tc)
			err = v.ValidateRequest(r, []byte(tc.body))
			checkErr(t, err, tc.want, tc.wantIs)
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks a request value: %v", err)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want []string, wantIs error) {
	t.Helper()
	switch {
	case wantIs != nil:
		if !errors.Is(err, wantIs) {
			t.Errorf("err = %v, want errors.Is %v", err, wantIs)
		}
	case want == nil:
		if err != nil {
			t.Errorf("err = %v, want nil", err)
		}
	default:
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("err = %v, want a *ValidationError", err)
		}
		if diff := cmp.Diff(want, ve.Problems); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
	}
}

const sessionJSON = `{"id":"` + hostID + `","name":"Infrastructure","jobId":"` + mountID + `","sessionType":"Infrastructure",
 "creationTime":"2026-11-23T10:00:00.123+01:00","endTime":"2026-11-23T10:00:02Z","state":"Stopped","progressPercent":100,"usn":42,
 "result":{"result":"Success","message":"","isCanceled":false},"resourceId":"` + hostID + `","resourceReference":"/api/v1/backupInfrastructure/repositories/` + hostID + `"}`

func TestValidateResponse(t *testing.T) {
	t.Parallel()
	jsonCT := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	tests := map[string]struct {
		rev, method, target string
		status              int
		header              http.Header
		body                string
		want                []string
		wantIs              error
	}{
		"session 201 rev0": {rev: "1.3-rev0", method: "POST", target: "/api/v1/backupInfrastructure/repositories", status: 201, header: jsonCT, body: sessionJSON},
		"session 201 rev2": {rev: "1.3-rev2", method: "POST", target: "/api/v1/backupInfrastructure/repositories", status: 201, header: jsonCT, body: sessionJSON},
		"session without state": {rev: "1.3-rev0", method: "POST", target: "/api/v1/backupInfrastructure/repositories", status: 201, header: jsonCT,
			body: strings.Replace(sessionJSON, `"state":"Stopped",`, "", 1),
			want: []string{`response body: property "state" is missing`}},
		"session bad state": {rev: "1.3-rev2", method: "GET", target: "/api/v1/sessions/" + hostID, status: 200, header: jsonCT,
			body: strings.Replace(sessionJSON, `"state":"Stopped"`, `"state":"Done"`, 1),
			want: []string{`response body: /state: value is not one of the allowed values ["Stopped","Starting","Stopping","Working","Pausing","Resuming","WaitingTape","Idle","Postprocessing","WaitingRepository","WaitingSlot","ActionRequired"]`}},
		"error body": {rev: "1.3-rev0", method: "GET", target: "/api/v1/sessions/" + hostID, status: 404, header: jsonCT,
			body: `{"errorCode":"NotFound","message":"Session not found.","resourceId":"` + hostID + `"}`},
		"error body bad code": {rev: "1.3-rev0", method: "GET", target: "/api/v1/sessions/" + hostID, status: 401, header: jsonCT,
			body: `{"errorCode":"Nope","message":"x"}`,
			want: []string{`response body: /errorCode: value is not one of the allowed values ["AccessDenied","ExpiredToken","InvalidToken","InvalidURI","MethodNotAllowed","NotFound","NotImplemented","ServiceUnavailable","UnexpectedContent","UnknownError"]`}},
		"token": {rev: "1.3-rev0", method: "POST", target: "/api/oauth2/token", status: 200, header: jsonCT,
			body: `{"access_token":"a","token_type":"bearer","refresh_token":"r","expires_in":900,".issued":"2026-11-23T10:00:00Z",".expires":"2026-11-23T10:15:00Z"}`},
		"repository model page rev0": {rev: "1.3-rev0", method: "GET", target: "/api/v1/backupInfrastructure/repositories", status: 200, header: jsonCT,
			body: repoPage("1.3-rev0", 2)},
		"repository model page rev2": {rev: "1.3-rev2", method: "GET", target: "/api/v1/backupInfrastructure/repositories", status: 200, header: jsonCT,
			body: repoPage("1.3-rev2", 2)},
		"repository model without id": {rev: "1.3-rev2", method: "GET", target: "/api/v1/backupInfrastructure/repositories/" + hostID, status: 200, header: jsonCT,
			body: strings.Replace(repoModel("1.3-rev2", 0), `"id":"00000000-0000-0000-0000-000000000000",`, "", 1),
			want: []string{`response body: property "id" is missing`}},
		"delete 204": {rev: "1.3-rev2", method: "DELETE", target: "/api/v1/agents/recoveryTokens/" + hostID, status: 204},
		"wrong content type": {rev: "1.3-rev0", method: "GET", target: "/api/v1/serverTime", status: 200, header: http.Header{"Content-Type": {"text/xml"}}, body: `<x/>`,
			want: []string{`response: response header Content-Type has unexpected value: "text/xml"`}},
		"undocumented status": {rev: "1.3-rev0", method: "GET", target: "/api/v1/serverTime", status: 418, header: jsonCT, body: `{}`, wantIs: ErrUndocumentedStatus},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, err := NewValidator(tc.rev)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(tc.method, tc.target, nil)
			err = v.ValidateResponse(r, tc.status, tc.header, []byte(tc.body))
			checkErr(t, err, tc.want, tc.wantIs)
		})
	}
}

// repoModel returns a LinuxLocal RepositoryModel numbered i.
func repoModel(rev string, i int) string {
	m := strings.Replace(linuxLocal(rev, "4"), `"name":"repo-ams",`, fmt.Sprintf(`"id":"00000000-0000-0000-0000-%012d","name":"repo-%d",`, i, i), 1)
	return m
}

// repoPage returns a RepositoriesResult page of n models.
func repoPage(rev string, n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = repoModel(rev, i)
	}
	return fmt.Sprintf(`{"data":[%s],"pagination":{"total":%d,"count":%d,"skip":0,"limit":200}}`, strings.Join(items, ","), n, n)
}

func TestRoute(t *testing.T) {
	t.Parallel()
	v, err := NewValidator("1.3-rev2")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		method, target string
		want           string
		ok             bool
	}{
		"collection":   {"GET", "/api/v1/backupInfrastructure/repositories?limit=1", "/api/v1/backupInfrastructure/repositories", true},
		"item":         {"PUT", "/api/v1/backupInfrastructure/repositories/" + hostID, "/api/v1/backupInfrastructure/repositories/{id}", true},
		"static wins":  {"GET", "/api/v1/backupInfrastructure/repositories/states", "/api/v1/backupInfrastructure/repositories/states", true},
		"nested":       {"DELETE", "/api/v1/agents/protectionGroups/a/discoveredEntities/b", "/api/v1/agents/protectionGroups/{id}/discoveredEntities/{entityId}", true},
		"action":       {"POST", "/api/v1/agents/protectionGroups/a/discoveredEntities/installAgent", "/api/v1/agents/protectionGroups/{id}/discoveredEntities/installAgent", true},
		"token":        {"POST", "/api/oauth2/token", "/api/oauth2/token", true},
		"wrong method": {"DELETE", "/api/v1/sessions/" + hostID, "", false},
		"unknown":      {"GET", "/api/v1/jobs", "", false},
		"sim control":  {"GET", "/_sim/requests", "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, ok := v.Route(httptest.NewRequest(tc.method, tc.target, nil))
			if got != tc.want || ok != tc.ok {
				t.Errorf("Route(%s %s) = %q, %v; want %q, %v", tc.method, tc.target, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func BenchmarkValidateRequest(b *testing.B) {
	v, err := NewValidator("1.3-rev2")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(linuxLocal("1.3-rev2", "4"))
	r := newRequest(reqCase{method: "POST", target: "/api/v1/backupInfrastructure/repositories", header: jsonHeader("1.3-rev2")})
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateRequest(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateResponse(b *testing.B) {
	v, err := NewValidator("1.3-rev2")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(sessionJSON)
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	r := httptest.NewRequest("POST", "/api/v1/backupInfrastructure/repositories", nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateResponse(r, 201, h, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateResponsePage validates a full page of 200 repositories,
// the largest body the simulator sends.
func BenchmarkValidateResponsePage(b *testing.B) {
	v, err := NewValidator("1.3-rev2")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(repoPage("1.3-rev2", 200))
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	r := httptest.NewRequest("GET", "/api/v1/backupInfrastructure/repositories", nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateResponse(r, 200, h, body); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAccess(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		rev, method, template string
		want                  Access
		ok                    bool
	}{
		"rev0 create": {"1.3-rev0", "POST", "/api/v1/backupInfrastructure/repositories",
			Access{Roles: []string{"Backup Administrator"}, Claims: []string{"CreateRepositories"}}, true},
		"rev2 read": {"1.3-rev2", "get", "/api/v1/sessions/{id}",
			Access{Roles: []string{"Backup Administrator", "Backup Operator", "Restore Operator", "Backup Viewer", "Security Administrator"}, Claims: []string{"ViewSessions"}}, true},
		"token":        {"1.3-rev0", "POST", "/api/oauth2/token", Access{Roles: []string{"*"}}, true},
		"undocumented": {"1.3-rev0", "PATCH", "/api/v1/sessions/{id}", Access{}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, err := NewValidator(tc.rev)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := v.Access(tc.method, tc.template)
			if diff := cmp.Diff(tc.want, got); diff != "" || ok != tc.ok {
				t.Errorf("Access(%s %s) ok=%v (want %v) (-want +got):\n%s", tc.method, tc.template, ok, tc.ok, diff)
			}
		})
	}
}

// TestValidatorConcurrent shares one Validator between goroutines (run
// with -race to check it is safe for concurrent use).
func TestValidatorConcurrent(t *testing.T) {
	t.Parallel()
	v, err := NewValidator("1.3-rev0")
	if err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 4, 20
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := range rounds {
				maxTasks := "4"
				if (w+i)%2 == 1 {
					maxTasks = `"four"`
				}
				body := linuxLocal("1.3-rev0", maxTasks)
				r := newRequest(reqCase{method: "POST", target: "/api/v1/backupInfrastructure/repositories", header: jsonHeader("1.3-rev0")})
				err := v.ValidateRequest(r, []byte(body))
				if (err == nil) != (maxTasks == "4") {
					errs <- fmt.Errorf("worker %d round %d: err = %v", w, i, err)
					return
				}
				resp := httptest.NewRequest("POST", "/api/v1/backupInfrastructure/repositories", nil)
				if err := v.ValidateResponse(resp, 201, http.Header{"Content-Type": {"application/json"}}, []byte(sessionJSON)); err != nil {
					errs <- fmt.Errorf("worker %d round %d: response: %v", w, i, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
