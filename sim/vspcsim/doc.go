// Package vspcsim simulates the Veeam Service Provider Console REST API v3
// (port 1280) for vplay's simulator: OAuth2 tokens, backup agents with
// paging, filters and sorting, fire-and-forget agent restarts, and async
// actions with X-Request-id idempotency.
//
// It owns its state, authentication and endpoints only; listeners, TLS,
// fault injection, the request log and persistence belong to package sim,
// which talks to this package through simapi.
//
// Every answer except the token endpoint's uses the envelope
// {"data", "meta":{"pagingInfo":{"total","count","offset"}}, "errors"}.
// Errors are {"data":null,"meta":null,"errors":[{"message","type","code"}]};
// server and custom-coded errors are sent as HTTP 520 with the real code in
// the body, as VSPC does.
//
// A request carrying X-Request-id on a trackable route (backup agents,
// organizations) is answered 202 with Location: <base>/api/v3/asyncActions/{id},
// where the action id is the request id; repeating the request with the
// same id within five minutes returns the same answer without doing the
// work again.
//
// Time moves only through simapi.Env.Clock: each request first settles
// restarts, actions and tokens to the clock's now.
package vspcsim
