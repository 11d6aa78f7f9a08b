package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTOMLString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":              `"plain"`,
		`say "hi" \ bye`:     `"say \"hi\" \\ bye"`,
		"tab\tnew\nline\x01": `"tab\tnew\nline\u0001"`,
		"${VAR} and $x":      `"$${VAR} and $x"`,
		"עברית":              `"עברית"`,
	} {
		if got := tomlString(in); got != want {
			t.Errorf("tomlString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFeedTableTOML(t *testing.T) {
	f := FeedTable{Name: "Kan 11", URL: "https://www.kan.org.il/rss", Tags: []string{"mideast", "hebrew"},
		Schedule: "*/10 * * * *", ExpectEvery: "6h", Lang: "he"}
	want := `[[feed]]
name = "Kan 11"
url  = "https://www.kan.org.il/rss"
tags = ["mideast", "hebrew"]
schedule = "*/10 * * * *"
expect_every = "6h"
lang = "he"
`
	if got := f.TOML(); got != want {
		t.Errorf("TOML() =\n%s\nwant\n%s", got, want)
	}
}

// editFile writes text to a configuration file in a new directory, with a
// rules directory beside it, and returns its path.
func editFile(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rules.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEditAppend(t *testing.T) {
	const orig = "# my feeds\n[daemon]\nadmin_addr = \"\" # off\n\n[[feed]]\nname = \"Kan 11\"\nurl = \"https://www.kan.org.il/rss\""
	path := editFile(t, orig)
	e, err := Edit(path, noEnv)
	if err != nil || e.Config == nil || e.Problems != nil {
		t.Fatalf("Edit = %+v, %v", e, err)
	}
	cfg, err := e.Append(FeedTable{Name: "i24NEWS", URL: "https://www.i24news.tv/he/rss", Tags: []string{"hebrew"}}.TOML())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Feeds) != 2 || cfg.Feeds[1].Name != "i24NEWS" || cfg.Feeds[1].Tags[0] != "hebrew" {
		t.Errorf("appended configuration has feeds %+v", cfg.Feeds)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), orig+"\n\n[[feed]]\nname = \"i24NEWS\"\n") {
		t.Errorf("the file's bytes were not kept:\n%s", data)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the file's 0600", info.Mode().Perm())
	}

	// A change that makes the file invalid is not written.
	_, err = e.Append(FeedTable{Name: "bad", URL: "gopher://x"}.TOML())
	if err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("invalid append: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(data) {
		t.Error("an invalid append changed the file")
	}
}

func TestEditWhereTheFileDoesNotLoad(t *testing.T) {
	// ${FEEDS_TOKEN} is set only where the daemon runs.
	path := editFile(t, "[[feed]]\nname = \"Private\"\nurl = \"https://example.org/rss?token=${FEEDS_TOKEN}\"\ntags = [\"x\"]\n")
	e, err := Edit(path, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if e.Config != nil || len(e.Problems) != 1 || !strings.Contains(e.Problems[0].Msg, "FEEDS_TOKEN") {
		t.Fatalf("Edit = config %v, problems %v", e.Config, e.Problems)
	}
	feeds, err := e.Feeds()
	if err != nil || len(feeds) != 1 || feeds[0].Name != "Private" || feeds[0].Tags[0] != "x" {
		t.Fatalf("Feeds = %+v, %v", feeds, err)
	}
	if cfg, err := e.Append(FeedTable{Name: "Open", URL: "https://example.org/open"}.TOML()); err != nil || cfg != nil {
		t.Errorf("append adding no problem: %v, %v", cfg, err)
	}
	if _, err := e.Append(FeedTable{Name: "Broken", URL: "https://example.org/b", Tags: []string{"not a tag"}}.TOML()); err == nil {
		t.Error("an append adding a problem of its own was written")
	}

	if _, err := Edit(filepath.Join(t.TempDir(), "missing.toml"), noEnv); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

func noEnv(string) (string, bool) { return "", false }
