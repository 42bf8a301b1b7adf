// Package emsim simulates the Veeam Backup Enterprise Manager REST API
// (port 9398, API v1_7) for vplay's simulator: discovery, logon sessions
// with Basic auth and a 15-minute idle timeout, agent jobs and their backup
// sessions, agent-job actions that start Tasks, tasks scoped to the logon
// session that started them, and the query service.
//
// It owns its state, authentication and endpoints only; listeners, TLS,
// fault injection, the request log and persistence belong to package sim,
// which talks to this package through simapi.
//
// Responses are XML in the namespace http://www.veeam.com/ent/v1.0 unless
// the request's Accept asks for application/json. The JSON form uses the
// XML names: attributes become properties, Links become an array, and a
// collection becomes an array under its plural name (inferred, the vendor
// shows no JSON collections):
//
//	EntityReferences        {"Refs":[{"UID","Name","Href","Type","Links":[...]}]}
//	?format=Entity lists    {"AgentBackupJobs":[{...}]}, {"BackupJobSessions":[...]}
//	Tasks                   {"Tasks":[{...}]}
//	QueryResult             {"Refs":[...]} or {"Entities":{"AgentBackupJobs":[...]}}, plus "PagingInfo"
//	Error                   {"Message","StatusCode","Status"}
//
// Time moves only through simapi.Env.Clock: each request first settles
// tasks and logon sessions to the clock's now.
package emsim
