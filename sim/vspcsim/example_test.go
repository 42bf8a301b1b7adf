package vspcsim_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/vplay-dev/vplay/sim/simapi"
	"github.com/vplay-dev/vplay/sim/vspcsim"
)

func ExampleNew() {
	api, err := vspcsim.New(simapi.Env{Password: "Passw0rd!"}, nil) // nil seed: vspcsim.DefaultSeed
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()

	form := url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"Passw0rd!"}}
	res, err := http.Post(srv.URL+"/api/v3/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode)
	// Output: 200
}
