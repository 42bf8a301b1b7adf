// Package vbr is the client for one Veeam REST API (placeholder: being written).
package vbr

// Client talks to one vbr server.
type Client struct{}
