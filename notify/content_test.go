package notify

import "testing"

// TestSnippet checks that an alert's summary, which the monitor stored as
// plain text, is not read as HTML a second time.
func TestSnippet(t *testing.T) {
	tests := []struct {
		name, summary, want string
	}{
		{"text that looks like a tag", "The exploit uses the <iframe> tag.", "The exploit uses the <iframe> tag."},
		{"an entity written out", "Bold is written &lt;b&gt;.", "Bold is written &lt;b&gt;."},
		{"Slack link syntax", "See <https://x.example|click>.", "See <https://x.example|click>."},
		{"white space and controls", "  two\n\tlines\x1b[2J ", "two lines[2J"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := Entry{Summary: tc.summary}
			if got := e.Snippet(); got != tc.want {
				t.Errorf("Snippet() = %q, want %q", got, tc.want)
			}
		})
	}
}
