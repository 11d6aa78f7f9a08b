package rules

import "fmt"

// SyntaxError is a query that cannot be parsed.
type SyntaxError struct {
	// Offset is the byte offset in the query where the problem is.
	Offset int
	// Msg says what is wrong and, where it can, what was expected.
	Msg string
}

// Error returns the message with its offset; rule files report it as
// FILE:LINE:COL instead.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("rules: query offset %d: %s", e.Offset, e.Msg)
}

// Warning is a query that parses but is probably not what its author meant,
// such as a lowercase "or" between two words or a rule that can never match.
type Warning struct {
	// Offset is the byte offset in the query the warning is about.
	Offset int
	Msg    string
}

// String returns the message with its offset.
func (w Warning) String() string {
	return fmt.Sprintf("query offset %d: %s", w.Offset, w.Msg)
}
