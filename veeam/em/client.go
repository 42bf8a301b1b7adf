// Package em is the client for one Veeam REST API (placeholder: being written).
package em

// Client talks to one em server.
type Client struct{}
