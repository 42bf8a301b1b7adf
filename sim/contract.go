package sim

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/vplay-dev/vplay/sim/vbrsim"
)

// Contract checks traffic against a vendor API description. The default
// implementation is package veeam/openapi's Validator for VBR.
type Contract interface {
	// ValidateRequest returns nil when the request matches the contract.
	ValidateRequest(r *http.Request, body []byte) error
	// ValidateResponse returns nil when the response matches the contract.
	ValidateResponse(r *http.Request, status int, header http.Header, body []byte) error
	// Route names the path template of a request the contract knows.
	Route(r *http.Request) (template string, ok bool)
}

// ContractFunc returns the contract of one VBR revision ("1.3-rev0").
type ContractFunc func(rev string) (Contract, error)

// ContractFuncs is a Contract made of functions, for tests; a nil function
// accepts everything (Route: knows every path, as the path itself).
type ContractFuncs struct {
	ValidateRequestFn  func(r *http.Request, body []byte) error
	ValidateResponseFn func(r *http.Request, status int, header http.Header, body []byte) error
	RouteFn            func(r *http.Request) (string, bool)
}

// ValidateRequest calls ValidateRequestFn.
func (c ContractFuncs) ValidateRequest(r *http.Request, body []byte) error {
	if c.ValidateRequestFn == nil {
		return nil
	}
	return c.ValidateRequestFn(r, body)
}

// ValidateResponse calls ValidateResponseFn.
func (c ContractFuncs) ValidateResponse(r *http.Request, status int, header http.Header, body []byte) error {
	if c.ValidateResponseFn == nil {
		return nil
	}
	return c.ValidateResponseFn(r, status, header, body)
}

// Route calls RouteFn.
func (c ContractFuncs) Route(r *http.Request) (string, bool) {
	if c.RouteFn == nil {
		return r.URL.Path, true
	}
	return c.RouteFn(r)
}

// contracts caches one Contract per revision.
type contracts struct {
	fn ContractFunc
	mu sync.Mutex
	c  map[string]Contract
	er map[string]error
}

func newContracts(fn ContractFunc) *contracts {
	return &contracts{fn: fn, c: map[string]Contract{}, er: map[string]error{}}
}

// get returns the contract of the document an x-api-version is served
// from, or nil when contract checking is off or the version is not served
// (vbrsim refuses it before any contract check).
func (cs *contracts) get(apiVersion string) (Contract, error) {
	rev, ok := vbrsim.DocRevision(apiVersion)
	if cs == nil || cs.fn == nil || !ok {
		return nil, nil
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c, ok := cs.c[rev]; ok {
		return c, cs.er[rev]
	}
	c, err := cs.fn(rev)
	if err != nil {
		err = fmt.Errorf("load vbr contract %s: %w", rev, err)
	}
	cs.c[rev], cs.er[rev] = c, err
	return c, err
}
