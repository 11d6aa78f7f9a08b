package rules

import (
	"errors"
	"testing"
)

// FuzzParseQuery checks that no query makes the parser panic or hang, that
// errors point into the query, and that a parsed query's canonical form
// parses to itself.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		`(syria OR syrian OR damascus OR "al-sharaa" OR سوريا OR סוריה) AND (israel OR إسرائيل OR ישראל) AND (normaliz* OR "abraham accords" OR تطبيع)`,
		`a b -c NOT d`, `title:(a OR "b c") case:US`, `a NEAR/5 (b OR c*)`, `x PRE y`,
		`domain:reuters.com lang:en-US`, `/isr\/ael\w+/`, `summary:/^a b$/`, `(((a)))`,
		`"unclosed`, `(a`, `a)`, `NOT`, `-`, `--x`, `title:`, `foo:bar`, `a*b`, `ab*`,
		`NEAR/1001`, `a NEAR b NEAR c`, "\xff\xfe", `İ ß ﬁ ½`, `case:"Two Words"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := ParseQuery(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Offset < 0 || se.Offset > len(src) {
				t.Fatalf("offset %d outside the query of %d bytes", se.Offset, len(src))
			}
			return
		}
		for _, w := range q.Warnings() {
			if w.Offset < 0 || w.Offset > len(src) {
				t.Fatalf("warning offset %d outside the query", w.Offset)
			}
		}
		canon := q.String()
		again, err := ParseQuery(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, src, err)
		}
		if again.String() != canon {
			t.Fatalf("canonical form %q parses to %q", canon, again.String())
		}
	})
}
