// Package vspc is the client for the Veeam Service Provider Console REST
// API v3 (port 1280): OAuth2 bearer tokens, the data/meta/errors envelope,
// offset/limit paging, X-Request-id idempotence and awaiting async actions
// (202 + Location). Transport concerns (TLS, retries, tracing) live in
// package veeam; playbook semantics live in steps, not here.
package vspc
