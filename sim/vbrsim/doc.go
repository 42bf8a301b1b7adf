// Package vbrsim simulates the Veeam Backup & Replication REST API v1
// (revisions 1.3-rev0 and 1.3-rev2) for package sim: OAuth2 tokens, the
// mandatory x-api-version header, roles, and the infrastructure endpoints
// vplay reconciles (managed servers, repositories, scale-out repositories,
// recovery tokens, protection groups, discovered entities, backups and
// sessions), with asynchronous sessions whose effects appear when they end.
//
// It owns only VBR state and behaviour; listeners, TLS, faults, the request
// log and persistence belong to package sim, and the contract between the
// two is sim/simapi.
package vbrsim
