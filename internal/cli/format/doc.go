// Package format prints what newswatch's commands found: aligned tables
// and text for people, and JSON (Lines) for programs, whose fields are the
// contract docs/configuration.md and the spec name. Feed text is cleaned
// of control and bidi characters before it reaches a terminal, and cut to
// fit its column.
//
// The commands in cmd/newswatch parse flags, call library code and hand
// its results here, as amtool's commands hand theirs to its cli/format.
package format
