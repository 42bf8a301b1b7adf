// Package styles holds the lipgloss styles of the vplay terminal UI as data:
// one Styles value per run, plain when colour is off. It draws nothing
// itself; the screens in package tui do the layout.
package styles
