// Package tui is the interactive terminal interface of vplay plan and apply:
// a review screen for a *engine.Plan (with approval for apply) and a progress
// screen fed by the apply event stream.
//
// It only displays: the plan and the events come from package engine, the
// layout of its diff tree (render.DiffLines) and the final apply summary
// (render.Summary) from engine/render, so the TUI and the text renderer
// cannot disagree, and every decision goes back to the caller as a return
// value or a callback. It holds no engine logic and makes no HTTP calls.
// Styles and key bindings are data in tui/styles and tui/keys. The review
// screen is split by part: review.go (the model, keys and screen layout),
// review_list.go, review_detail.go, review_filter.go and review_prompt.go;
// the progress screen is progress.go. Models can be driven directly through
// Update in tests.
package tui
