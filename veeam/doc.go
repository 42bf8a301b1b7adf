// Package veeam is the shared transport for the Veeam REST clients in
// veeam/vbr, veeam/em and veeam/vspc: TLS verification and pinning, retries
// of idempotent calls, paging, typed API errors, request logging and the one
// Await loop for long-running work.
//
// It knows nothing about playbooks or the engine; resources travel as Doc
// values so a new resource kind needs no hand-written struct.
package veeam
