// Package vspc is the client for one Veeam REST API (placeholder: being written).
package vspc

// Client talks to one vspc server.
type Client struct{}
