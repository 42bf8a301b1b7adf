package emsim_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/vplay-dev/vplay/sim/emsim"
	"github.com/vplay-dev/vplay/sim/simapi"
)

func ExampleNew() {
	api, err := emsim.New(simapi.Env{Password: "Passw0rd!"}, nil) // nil seed: emsim.DefaultSeed
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/api/sessionMngr/?v=latest", nil)
	req.SetBasicAuth("admin", "Passw0rd!")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("X-RestSvcSessionId") != "")
	// Output: 201 true
}
