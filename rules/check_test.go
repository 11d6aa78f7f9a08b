package rules

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.toml": `
[[rule]]
name   = "mideast"
query  = "syria"
feeds  = ["tag:mideast", "tag:mid-east", "Times of Israel", "times of  israel", "https://example.com/feed", "https://unknown.example/rss"]
notify = ["slack", "slakc"]

[[rule]]
name   = "fine"
query  = "israel"
feeds  = ["BBC"]
notify = ["console"]

[[rule]]
name    = "off"
query   = "x"
notify  = ["nowhere"]
enabled = false
`})
	set, ds := LoadDir(dir)
	if len(ds) != 0 {
		t.Fatalf("LoadDir: %v", ds)
	}
	file := filepath.Join(dir, "a.toml")
	known := Known{
		Feeds:     []string{"Times of Israel", "BBC"},
		FeedURLs:  []string{"https://example.com/feed"},
		Tags:      []string{"mideast"},
		Notifiers: []string{"slack", "console"},
	}
	want := []string{
		file + `:2:3: rule "mideast": unknown notifier "slakc" (configured notifiers: slack, console)`,
		file + `:2:3: warning: rule "mideast": no feed has the tag "mid-east" (configured tags: mideast)`,
		file + `:2:3: warning: rule "mideast": no feed is named "times of  israel" (did you mean "Times of Israel"?) (write "tag:NAME" to select feeds by tag)`,
		file + `:2:3: warning: rule "mideast": no feed has the URL "https://unknown.example/rss"`,
	}
	if got := Check(set, known).Error(); got != strings.Join(want, "\n") {
		t.Errorf("Check:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}

	// Lists that are not known are not checked; empty ones are.
	if ds := Check(set, Known{}); len(ds) != 0 {
		t.Errorf("Check with nothing known: %v", ds)
	}
	ds = Check(set, Known{Notifiers: []string{}})
	if len(ds.Errors()) != 3 || !strings.Contains(ds.Error(), "(no notifiers are configured)") {
		t.Errorf("Check with no notifiers:\n%v", ds)
	}
}
