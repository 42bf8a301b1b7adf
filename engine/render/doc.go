// Package render turns plans, apply events and apply results into text,
// Markdown and versioned JSON.
//
// Every function here is pure: it reads an *engine.Plan, an engine.Event or an
// *engine.Result and writes bytes; it never plans, applies or talks to a
// server (that is package engine's work), and it never decides exit codes
// (that is cmd/vplay's). Human formats are all built from one intermediate
// field diff tree (DiffLines), the same one the TUI shows, so the formats
// cannot disagree about what changes.
//
// Secrets are masked by the engine before a plan reaches this package; the
// renderers mask again any field flagged Sensitive, so a secret that slipped
// through the model still never reaches the output.
//
// Text from servers (error messages, session log lines, names, live values)
// is laid out from a cleaned copy (CleanPlan, CleanEvent): no escape
// sequences, control characters or bidi overrides reach a terminal through
// text, Markdown or the TUI. JSON keeps the exact strings. CleanWriter does
// the same for a whole stream without styling of its own (stderr).
package render
