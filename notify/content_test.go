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

// TestSnippetRepeatingTitle checks that a summary which only repeats the
// headline (as many feeds send it) gives no snippet, and one that says
// more keeps it.
func TestSnippetRepeatingTitle(t *testing.T) {
	const title = "Syria and Israel edge toward the Abraham Accords"
	tests := []struct {
		name, title, summary, want string
	}{
		{"the title", title, title, ""},
		{"case, spacing and punctuation", title, "  syria AND israel edge toward the Abraham Accords. ", ""},
		{"the start of the title", title, "Syria and Israel edge toward…", ""},
		{"an HTML title", "Gaza &amp; <i>Syria</i> talks", "Gaza & Syria talks", ""},
		{"right to left", "اتفاقيات أبراهام: سوريا وإسرائيل", "اتفاقيات أبراهام - سوريا وإسرائيل", ""},
		{"the title and more", title, title + ", officials said on Tuesday.", title + ", officials said on Tuesday."},
		{"half a word", title, "Syria and Isr", "Syria and Isr"},
		{"other words", title, "Officials said talks resumed.", "Officials said talks resumed."},
		{"no title", "", "untitled", "untitled"},
		{"no summary", title, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := Entry{Title: tc.title, Summary: tc.summary}
			if got := e.Snippet(); got != tc.want {
				t.Errorf("Snippet() = %q, want %q", got, tc.want)
			}
		})
	}
}
