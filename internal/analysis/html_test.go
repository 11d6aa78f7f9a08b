package analysis

import "testing"

func TestStripHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text unchanged", "Syria & Israel", "Syria & Israel"},
		{"tags removed", `<a href="x">Abraham</a> <b>Accords</b>`, "Abraham Accords"},
		{"entities decoded", "Syria &amp; Israel &#8211; talks &quot;soon&quot;", "Syria & Israel – talks \"soon\""},
		{"inline tags join", "<b>Is</b>rael", "Israel"},
		{"paragraphs separate", "<p>peace</p><p>talks</p>", "peace\ntalks\n"},
		{"br separates", "peace<br>talks<br/>now", "peace\ntalks\nnow"},
		{"list items separate", "<ul><li>a</li><li>b</li></ul>", "a\nb\n"},
		{"script dropped", "a<script>var israel = 1;</script>b", "ab"},
		{"style dropped", "<style>p{color:red}</style>text", "text"},
		{"comments dropped", "a<!-- israel -->b", "ab"},
		{"Arabic with entities", "<p>سوريا&nbsp;وإسرائيل</p>", "سوريا\u00a0وإسرائيل\n"},
		{"broken HTML", "<p>unclosed <b>bold", "unclosed bold"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := StripHTML(tc.in); got != tc.want {
				t.Errorf("StripHTML(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
