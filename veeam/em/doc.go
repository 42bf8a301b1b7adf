// Package em is the client for the Veeam Backup Enterprise Manager REST
// API (port 9398): a Basic-auth logon session sent as X-RestSvcSessionId,
// JSON answers (XML decoded into the same document shape), and awaiting
// Tasks, which only the logon session that started them can see.
// Transport concerns (TLS, retries, tracing) live in package veeam;
// playbook semantics live in steps, not here.
package em
