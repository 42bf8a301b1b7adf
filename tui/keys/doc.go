// Package keys holds the key bindings of the vplay terminal UI as data, one
// map per screen, each usable with bubbles/help. It decides nothing: the
// screens in package tui match keys against these bindings.
package keys
