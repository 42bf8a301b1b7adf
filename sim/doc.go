// Package sim is the embedded Veeam simulator: three listeners (Backup &
// Replication REST v1, Enterprise Manager, Service Provider Console) served
// over a self-signed certificate, with the machinery every simulated API
// shares: a request log, latency and fault injection, deterministic fault
// rules, the /_sim/ control API, contract checking against the vendor
// OpenAPI, seed loading and state persistence.
//
// It does not implement any vendor endpoint itself: each API lives in its
// own package (sim/vbrsim, sim/emsim, sim/vspcsim) behind the contract in
// sim/simapi. `vplay sim` is a thin command over this package, and every
// end-to-end test starts a Server on random 127.0.0.1 ports.
package sim
