package config

// This file and tomldoc.go decode TOML documents strictly and remember where
// every value came from, so that the configuration file and rule files can
// report problems as FILE:LINE:COL.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a place in a file. Line and Col count from 1; Col counts
// characters (Unicode code points), as editors show them. A zero Line means
// the whole file.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats p as FILE:LINE:COL, or FILE when the line is unknown.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Diagnostic is one problem found in a file: an error, or a warning that
// does not stop the file from being used.
type Diagnostic struct {
	Pos     Pos
	Warning bool
	Msg     string
}

// String formats d as "FILE:LINE:COL: message", with "warning: " before
// the message of a warning.
func (d Diagnostic) String() string {
	if d.Warning {
		return d.Pos.String() + ": warning: " + d.Msg
	}
	return d.Pos.String() + ": " + d.Msg
}

// Diagnostics is a list of problems. As an error it reports all of them,
// warnings included, one per line; use Err to get an error only when there
// is one, holding only the errors.
type Diagnostics []Diagnostic

// Error joins the diagnostics, one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Errors returns the diagnostics that are not warnings.
func (ds Diagnostics) Errors() Diagnostics {
	return ds.filter(false)
}

// Warnings returns the diagnostics that are warnings.
func (ds Diagnostics) Warnings() Diagnostics {
	return ds.filter(true)
}

func (ds Diagnostics) filter(warning bool) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Warning == warning {
			out = append(out, d)
		}
	}
	return out
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return !d.Warning })
}

// Err returns the errors among ds as an error, or nil when there are none.
func (ds Diagnostics) Err() error {
	if errs := ds.Errors(); len(errs) > 0 {
		return errs
	}
	return nil
}

// Sort orders the diagnostics by file, line and column, keeping the order of
// diagnostics at the same place.
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
		)
	})
}
