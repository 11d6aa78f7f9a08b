package pipeline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/story"
)

// TestStoryDefaultsAgree checks that a configuration without [stories]
// gives the story index the defaults of package story: config keeps its
// own copy of them, since it imports no package of newswatch.
func TestStoryDefaultsAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("[daemon]\ndata_dir = \"data\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadEnv(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Stories
	if got.Window != story.DefaultWindow || got.Threshold != story.DefaultThreshold || got.MaxItems != story.DefaultMaxItems {
		t.Errorf("[stories] defaults: window %s, threshold %v, max_items %d; story's: %s, %v, %d",
			got.Window, got.Threshold, got.MaxItems, story.DefaultWindow, story.DefaultThreshold, story.DefaultMaxItems)
	}
}
