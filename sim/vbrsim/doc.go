// Package vbrsim simulates the Veeam Backup & Replication REST API v1
// (revisions 1.1-rev0 to 1.3-rev2, each from its vendor document) for
// package sim: OAuth2 tokens, the mandatory x-api-version header, roles,
// hand-written behaviour for the infrastructure vplay reconciles (managed
// servers, repositories, scale-out repositories, recovery tokens,
// protection groups, discovered entities, backups and sessions), with
// asynchronous sessions whose effects appear when they end, and a generic
// engine that serves every other documented operation from the revision's
// full model (collections, settings, actions, generated objects).
//
// It owns only VBR state and behaviour; listeners, TLS, faults, the request
// log and persistence belong to package sim, and the contract between the
// two is sim/simapi.
package vbrsim
