package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkLoad loads a configuration of 300 feeds, as every start of
// newswatch does (a cron job's `newswatch once` on every run).
func BenchmarkLoad(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[daemon]\ndata_dir = \"data\"\n\n[[notifier]]\nname = \"slack\"\ntype = \"slack\"\n" +
		"token = \"${SLACK_TOKEN}\"\nchannel = \"#news\"\n")
	for i := range 300 {
		lang := []string{"en", "ar", "he"}[i%3]
		fmt.Fprintf(&sb, "\n[[feed]]\nname = \"outlet-%05d\"\nurl = \"https://outlet%d.example/feed/%d\"\n"+
			"lang = %q\ntags = [\"mideast\", \"wire\"]\n", i, i%200, i, lang)
	}
	path := filepath.Join(b.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	env := func(string) (string, bool) { return "xoxb-1", true }
	b.ReportAllocs()
	for b.Loop() {
		cfg, err := LoadEnv(path, env)
		if err != nil {
			b.Fatal(err)
		}
		if len(cfg.Feeds) != 300 {
			b.Fatalf("%d feeds, want 300", len(cfg.Feeds))
		}
	}
}
