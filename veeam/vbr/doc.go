// Package vbr is the client for the Veeam Backup & Replication REST API v1
// (port 9419): OAuth2 login with x-api-version on every call, skip/limit
// paging and awaiting sessions. Transport concerns (TLS, retries, tracing)
// live in package veeam; playbook semantics live in steps, not here.
package vbr
