package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/config"
)

// writeFiles creates files (path relative to dir → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const checkConfig = `
[daemon]
data_dir = "data"

[[feed]]
name = "wire"
url  = "https://wire.example/rss"
tags = ["mideast"]
`

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		code  int
		want  []string // lines expected in standard output
	}{
		{
			name: "valid",
			files: map[string]string{
				"config.toml":    checkConfig,
				"rules.d/a.toml": "[[rule]]\nname = \"a\"\nquery = \"syria AND israel\"\nfeeds = [\"tag:mideast\"]\n",
			},
			code: 0,
		},
		{
			name: "config errors",
			files: map[string]string{
				"config.toml": checkConfig + "shedule = \"@daily\"\n\n[[feed]]\nname = \"wire\"\nurl = \"gopher://x\"\n",
			},
			code: 1,
			want: []string{
				`config.toml:9:1: unknown key "shedule" in [feed]`,
				`config.toml:12:8: feed name "wire" is already used`,
				`config.toml:13:7: "url" has the scheme "gopher"`,
			},
		},
		{
			name: "query error inside a multi-line query",
			files: map[string]string{
				"config.toml":    checkConfig,
				"rules.d/a.toml": "[[rule]]\nname = \"a\"\nquery = '''\n  syria\n  AND (israel\n'''\n",
			},
			code: 1,
			want: []string{`a.toml:5:7: expected ')' to close the '('`},
		},
		{
			name: "unknown notifier is an error, unknown tag a warning",
			files: map[string]string{
				"config.toml":    checkConfig,
				"rules.d/a.toml": "[[rule]]\nname = \"a\"\nquery = \"syria\"\nnotify = [\"slack\"]\nfeeds = [\"tag:gulf\"]\n",
			},
			code: 1,
			want: []string{`a.toml:1:3: rule "a": unknown notifier "slack"`, `a.toml:1:3: warning: rule "a": no feed has the tag "gulf"`},
		},
		{
			name: "lowercase or is a warning only",
			files: map[string]string{
				"config.toml":    checkConfig,
				"rules.d/a.toml": "[[rule]]\nname = \"a\"\nquery = \"syria or israel\"\n",
			},
			code: 0,
			want: []string{`a.toml:3:16: warning: `},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			if _, ok := tc.files["rules.d/a.toml"]; !ok {
				writeFiles(t, dir, map[string]string{"rules.d/a.toml": "[[rule]]\nname = \"a\"\nquery = \"syria\"\n"})
			}
			code, out, errOut := runCmd(t, "", "check", "-config", filepath.Join(dir, "config.toml"))
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !containsLineWithSuffixPrefix(out, w) {
					t.Errorf("no line of the output contains %q:\n%s", w, out)
				}
			}
			if tc.code == 0 && !strings.Contains(errOut, ": ok: 1 feed, 1 rule, 1 notifier") {
				t.Errorf("stderr %q lacks the summary", errOut)
			}
		})
	}
}

// containsLineWithSuffixPrefix reports whether a line of out contains want
// right after a directory part, so that temporary directories don't matter.
func containsLineWithSuffixPrefix(out, want string) bool {
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, want); i == 0 || (i > 0 && line[i-1] == filepath.Separator) {
			return true
		}
	}
	return false
}

func TestCheckExampleConfig(t *testing.T) {
	code, out, errOut := runCmd(t, "", "check", "-config", filepath.Join("..", "..", "config.example.toml"))
	if code != 0 || out != "" {
		t.Errorf("the example configuration does not check clean: exit %d\n%s%s", code, out, errOut)
	}
}

func TestCheckMissingConfig(t *testing.T) {
	code, out, _ := runCmd(t, "", "check", "-config", filepath.Join(t.TempDir(), "nope.toml"))
	if code != 1 || !strings.Contains(out, "nope.toml") {
		t.Errorf("exit %d, output %q", code, out)
	}
}

// TestNoConfigurationFound runs commands where no configuration file is
// to be found: the error names every place looked at and the example.
func TestNoConfigurationFound(t *testing.T) {
	if _, err := os.Stat(config.SystemFile); err == nil {
		t.Skipf("%s exists on this machine", config.SystemFile)
	}
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"check"}, {"run"}, {"feeds", "list"}, {"feeds", "add", "https://example.org/"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, "", args...)
			if args[0] == "check" { // check prints the problems it finds on standard output
				out, errOut = "", out+errOut
			}
			for _, want := range []string{"-config: not given", "$NEWSWATCH_CONFIG: not set", "./config.toml: no such file",
				config.SystemFile + ": no such file", "-config config.example.toml"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if code != 1 || out != "" {
				t.Errorf("exit %d, stdout %q", code, out)
			}
		})
	}
	code, out, _ := runCmd(t, "", "check", "-config", "nosuch.toml")
	if code != 1 || !strings.Contains(out, "-config = nosuch.toml: no such file") {
		t.Errorf("check -config nosuch.toml: exit %d, output:\n%s", code, out)
	}
}
