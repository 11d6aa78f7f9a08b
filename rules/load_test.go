package rules

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/config"
)

// writeFiles creates files (name → contents) in dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ruleDoc returns a rule file defining one rule per name, each with query q.
func ruleDoc(q string, names ...string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString("[[rule]]\nname = \"" + n + "\"\nquery = \"" + q + "\"\n\n")
	}
	return b.String()
}

// namesOf returns the names of the rules of s, sorted.
func namesOf(s *Set) []string {
	var names []string
	for _, r := range s.Rules() {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return names
}

// sourceNames lists the rules of src that are fit to be put in force.
func sourceNames(src source) []string {
	var names []string
	for _, fr := range src.rules {
		if !fr.failed {
			names = append(names, fr.rule.Name)
		}
	}
	return names
}

func TestIsRuleFile(t *testing.T) {
	tests := map[string]bool{
		"mideast.toml":           true,
		"01-abraham.toml":        true,
		".toml":                  false,
		".mideast.toml":          false, // hidden
		".mideast.toml.swp":      false, // vim swap file
		".mideast.toml.swx":      false,
		"mideast.toml.swp":       false,
		"mideast.toml~":          false, // backup
		"#mideast.toml#":         false, // emacs auto-save
		".#mideast.toml":         false, // emacs lock
		"mideast.toml.tmp":       false,
		"mideast.toml.bak":       false,
		"4913":                   false, // vim's write test
		"mideast.TOML":           false,
		"mideast.toml.dpkg-dist": false,
		"..data":                 false,
	}
	for name, want := range tests {
		if got := isRuleFile(name); got != want {
			t.Errorf("isRuleFile(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestReadDir(t *testing.T) {
	dir := t.TempDir()
	broken := "[[rule]\nname = "
	writeFiles(t, dir, map[string]string{
		"b.toml":            ruleDoc("x", "b1", "b2"),
		"a.toml":            ruleDoc("x", "a1"),
		".a.toml.swp":       broken,
		"a.toml~":           broken,
		"#a.toml#":          broken,
		".hidden.toml":      broken,
		"README.md":         broken,
		"sub.toml/c.toml":   ruleDoc("x", "c1"),
		"sub.toml/d.toml":   broken,
		"z-comments.toml":   "# rules to come\n",
		"link-target/e.txt": ruleDoc("x", "e1"),
	})
	if err := os.Symlink(filepath.Join(dir, "link-target", "e.txt"), filepath.Join(dir, "e.toml")); err != nil {
		t.Fatal(err)
	}
	src := readPath(dir)
	if want := []string{"a1", "b1", "b2", "e1"}; !reflect.DeepEqual(sourceNames(src), want) {
		t.Errorf("rules %q, want %q", sourceNames(src), want)
	}
	wantDiags := []string{filepath.Join(dir, "z-comments.toml") + ":1:1: warning: no [[rule]] tables in this file"}
	if got := strings.Split(src.diags.Error(), "\n"); !reflect.DeepEqual(got, wantDiags) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantDiags, "\n"))
	}
}

func TestReadDuplicates(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.toml": ruleDoc("x", "one", "two"),
		"b.toml": ruleDoc("y", "three", "one") + ruleDoc("z", "two"),
	})
	src := readPath(dir)
	if want := []string{"one", "two", "three"}; !reflect.DeepEqual(sourceNames(src), want) {
		t.Errorf("rules %q, want %q", sourceNames(src), want)
	}
	a, b := filepath.Join(dir, "a.toml"), filepath.Join(dir, "b.toml")
	want := []string{
		b + `:6:8: rule name "one" is already used at ` + a + `:2:8; names must be unique across all rule files`,
		b + `:10:8: rule name "two" is already used at ` + a + `:6:8; names must be unique across all rule files`,
	}
	if got := strings.Split(src.diags.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The first of the two stays in force.
	if q := src.rules[0].rule.Query; q != "x" {
		t.Errorf("rule one has query %q, want the first file's", q)
	}
}

func TestReadPath(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"rules.txt": ruleDoc("x", "from-txt"),
		"empty/x":   "",
	})
	tests := []struct {
		name  string
		path  string
		rules []string
		diag  string
	}{
		{"a file of any name", filepath.Join(dir, "rules.txt"), []string{"from-txt"}, ""},
		{"missing", filepath.Join(dir, "nope"), nil, filepath.Join(dir, "nope") + ": no such file or directory"},
		{"empty directory", filepath.Join(dir, "empty"), nil,
			filepath.Join(dir, "empty") + ": warning: no rule files (*.toml) in this directory: nothing will match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := readPath(tc.path)
			if !reflect.DeepEqual(sourceNames(src), tc.rules) {
				t.Errorf("rules %q, want %q", sourceNames(src), tc.rules)
			}
			if got := src.diags.Error(); got != tc.diag {
				t.Errorf("diagnostics %q, want %q", got, tc.diag)
			}
		})
	}
}

func TestReadFingerprint(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.toml": ruleDoc("x", "a")})
	first := readPath(dir).fingerprint
	if again := readPath(dir).fingerprint; again != first {
		t.Error("fingerprint changed without a change to the files")
	}
	writeFiles(t, dir, map[string]string{".a.toml.swp": "junk", "notes.md": "junk"})
	if again := readPath(dir).fingerprint; again != first {
		t.Error("fingerprint changed with files that are not rule files")
	}
	writeFiles(t, dir, map[string]string{"a.toml": ruleDoc("y", "a")})
	if edited := readPath(dir).fingerprint; edited == first {
		t.Error("fingerprint unchanged after an edit")
	}
}

// posIn returns the position, in a file whose query is a multi-line
// literal string whose text starts at line first, column 1, of the byte at
// offset of the decoded query q.
func posIn(file string, first int, q string, offset int) string {
	before := q[:offset]
	line := first + strings.Count(before, "\n")
	col := 1 + utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:])
	return fmt.Sprintf("%s:%d:%d", file, line, col)
}

func TestLoadQueryDiagnostics(t *testing.T) {
	tests := []struct {
		name    string
		query   string // a multi-line literal string
		warning bool
	}{
		{"unclosed group", "  (syria OR سوريا OR סוריה)\n  AND (israel OR إسرائيل\n", false},
		{"lowercase or", "  سوريا\n  or syria\n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			doc := "# a comment\n[[rule]]\nname = \"r\"\nquery = '''\n" + tc.query + "'''\n"
			writeFiles(t, dir, map[string]string{"q.toml": doc})
			file := filepath.Join(dir, "q.toml")

			q, err := ParseQuery(tc.query)
			var want string
			var se *SyntaxError
			switch {
			case tc.warning && err == nil && len(q.Warnings()) > 0:
				want = posIn(file, 5, tc.query, q.Warnings()[0].Offset) + ": warning: " + q.Warnings()[0].Msg
			case !tc.warning && errors.As(err, &se):
				want = posIn(file, 5, tc.query, se.Offset) + ": " + se.Msg
			default:
				t.Fatalf("ParseQuery(%q) = %v, %v: not the %s this test is about", tc.query, q, err, tc.name)
			}

			set, ds := LoadDir(dir)
			if len(ds) != 1 || ds[0].String() != want {
				t.Fatalf("diagnostics:\n%v\nwant:\n%s", ds, want)
			}
			if got := len(set.Rules()); got != map[bool]int{true: 1, false: 0}[tc.warning] {
				t.Errorf("set has %d rules", got)
			}
		})
	}
}

func TestLoadSet(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.toml": ruleDoc("syria", "on") + "[[rule]]\nname = \"off\"\nquery = \"x\"\nenabled = false\n",
		"b.toml": ruleDoc("x", "on") + ruleDoc("(", "bad-query") + "[[rule]]\nname = \"ok\"\nquery = \"x\"\nfeeds = [\"tag:\"]\n",
	})
	set, ds := LoadDir(dir)
	if got := namesOf(set); !slices.Equal(got, []string{"on"}) {
		t.Errorf("set has rules %q, want the one enabled rule without errors", got)
	}
	if len(ds.Errors()) != 3 {
		t.Errorf("want 3 errors (duplicate, query, selector), got:\n%v", ds)
	}
	if !slices.IsSortedFunc(ds, func(a, b config.Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line))
	}) {
		t.Errorf("diagnostics not sorted:\n%v", ds)
	}
	if r := set.Rule("on"); r == nil || r.File != filepath.Join(dir, "a.toml") || r.Line != 1 || r.Col != 3 {
		t.Errorf("rule on = %+v, want it from a.toml:1:3", r)
	}

	if _, ds := LoadPath(filepath.Join(dir, "missing")); !ds.HasErrors() {
		t.Error("LoadPath of a missing path has no errors")
	}
	if set, ds := LoadPath(filepath.Join(dir, "a.toml")); ds.HasErrors() || !slices.Equal(namesOf(set), []string{"on"}) {
		t.Errorf("LoadPath of one file: rules %q, diagnostics %v", namesOf(set), ds)
	}
}

// TestShippedRules loads the example rules that ship in rules.d: they are
// what a new user runs first, so they compile without a single warning.
func TestShippedRules(t *testing.T) {
	set, ds := LoadDir(filepath.Join("..", "rules.d"))
	if len(ds) != 0 {
		t.Errorf("rules.d:\n%v", ds)
	}
	for _, name := range []string{"syria-israel-normalization", "abraham-accords"} {
		if set.Rule(name) == nil {
			t.Errorf("rules.d has no rule %q", name)
		}
	}
}

// TestEveryMistakeAtOnce loads rule files with several kinds of mistake:
// every one is reported in one reading, whatever else is wrong around it,
// and no rule of a file with an error is put in force.
func TestEveryMistakeAtOnce(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		want  []string
		rules []string // put in force
	}{
		{
			name: "unknown key and unclosed parenthesis",
			doc:  "[[rule]]\nname = \"a\"\nquery = \"syria AND (israel\"\nserverity = \"high\"\n",
			want: []string{
				`r.toml:3:20: expected ')' to close the '('`,
				`r.toml:4:1: unknown key "serverity" in [rule] (did you mean "severity"?)`,
			},
		},
		{
			name: "unknown key fails the rules beside it",
			doc:  "[[rule]]\nname = \"a\"\nquery = \"x\"\n\n[[rule]]\nname = \"b\"\nquery = \"(y\"\nfeed = [\"tag:x\"]\n",
			want: []string{
				`r.toml:7:10: expected ')' to close the '('`,
				`r.toml:8:1: unknown key "feed" in [rule] (did you mean "feeds"?)`,
			},
		},
		{
			name: "bad value and bad query of one rule",
			doc:  "[[rule]]\nname = \"a\"\nquery = \"x OR\"\nseverity = \"urgent\"\n\n[[rule]]\nname = \"b\"\nquery = \"y\"\n",
			want: []string{
				`r.toml:3:`,
				`r.toml:4:12: severity "urgent" is not one of info, notice, high`,
			},
			rules: []string{"b"},
		},
		{
			name: "duplicate name and its bad query",
			doc:  "[[rule]]\nname = \"a\"\nquery = \"x\"\n\n[[rule]]\nname = \"a\"\nquery = \"(y\"\n",
			want: []string{
				`r.toml:6:8: rule name "a" is already used at `,
				`r.toml:7:10: expected ')' to close the '('`,
			},
			rules: []string{"a"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"r.toml": tc.doc})
			set, diags := LoadPath(filepath.Join(dir, "r.toml"))
			errs := diags.Errors()
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tc.want), errs)
			}
			for i, d := range errs {
				got := strings.TrimPrefix(d.String(), dir+string(filepath.Separator))
				if !strings.HasPrefix(got, tc.want[i]) {
					t.Errorf("error %d:\n got %s\nwant %s…", i, got, tc.want[i])
				}
			}
			if got := namesOf(set); !reflect.DeepEqual(got, tc.rules) && len(got)+len(tc.rules) > 0 {
				t.Errorf("rules in force %q, want %q", got, tc.rules)
			}
		})
	}
}
