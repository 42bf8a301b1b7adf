// Package render turns plans, apply events and apply results into text,
// Markdown and versioned JSON.
//
// Every function here is pure: it reads an *engine.Plan, an engine.Event or an
// *engine.Result and writes bytes; it never plans, applies or talks to a
// server (that is package engine's work), and it never decides exit codes
// (that is cmd/vplay's). Every format shows the engine's diff tree
// (engine.DiffNode): JSON writes it as it is, and text, Markdown and the TUI
// lay it out with DiffLines, so the formats cannot disagree about what
// changes. This package compares no values, parses no paths and masks no
// secrets: the engine built the tree, already masked, and a renderer doing
// that work again would be a second source of truth.
//
// Text from servers (error messages, session log lines, names, live values)
// is laid out from a cleaned copy (CleanPlan, CleanEvent): no escape
// sequences, control characters or bidi overrides reach a terminal through
// text, Markdown or the TUI. JSON keeps the exact strings. CleanWriter does
// the same for a whole stream without styling of its own (stderr).
package render
