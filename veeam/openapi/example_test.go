package openapi_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/vplay-dev/vplay/veeam/openapi"
)

func ExampleValidator_ValidateRequest() {
	v, err := openapi.NewValidator("1.3-rev2")
	if err != nil {
		fmt.Println(err)
		return
	}
	body := `{"name":"repo-ams","description":"","type":"LinuxLocal",
	  "hostId":"f13af962-34af-4c1a-a272-edfac05ac2af","repository":{"path":"/backups","maxTaskCount":"four"}}`
	r := httptest.NewRequest("POST", "/api/v1/backupInfrastructure/repositories", strings.NewReader(body))
	r.Header.Set("x-api-version", "1.3-rev2")
	r.Header.Set("Content-Type", "application/json")
	fmt.Println(v.Route(r))
	fmt.Println(v.ValidateRequest(r, []byte(body)))
	// Output:
	// /api/v1/backupInfrastructure/repositories true
	// POST /api/v1/backupInfrastructure/repositories: request body: /repository/maxTaskCount: value must be an integer, got string
}

func ExampleJSONSchema() {
	doc, err := openapi.JSONSchema("1.3-rev2", "ComputerRecoveryTokenSpec")
	if err != nil {
		fmt.Println(err)
		return
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("mem://token.json", doc); err != nil {
		fmt.Println(err)
		return
	}
	s, err := c.Compile("mem://token.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	spec, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"expirationDate":"2027-01-01T00:00:00Z"}`))
	fmt.Println(s.Validate(spec))
	// Output:
	// jsonschema validation failed with 'mem://token.json#'
	// - at '': missing property 'backupIds'
}
