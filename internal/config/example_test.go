package config_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing/fstest"

	"github.com/newswatch/newswatch/internal/config"
)

func ExampleLoadEnv() {
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-example"}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }

	cfg, err := config.LoadEnv("testdata/newswatch.toml", lookup)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range cfg.Feeds {
		fmt.Printf("%s (%s) %v every %q\n", f.Name, f.Lang, f.Tags, f.Schedule)
	}
	n := cfg.Notifiers[0]
	fmt.Printf("%s: %s to %s, %v messages/s, timeout %v\n", n.Name, n.Type, n.Channel, n.Rate, n.Timeout)
	fmt.Println("default notifiers:", cfg.Notify.Default)
	fmt.Println("backfill:", cfg.Daemon.Backfill, "max body:", cfg.Fetch.MaxBodyBytes)
	// Output:
	// Times of Israel (en) [mideast israel] every "@every 10m"
	// BBC Arabic (ar) [mideast arabic] every "*/15 * * * *"
	// slack: slack to #news-alerts, 1 messages/s, timeout 10s
	// default notifiers: [slack]
	// backfill: 24h0m0s max body: 10485760
}

func ExampleLoadEnv_errors() {
	lookup := func(string) (string, bool) { return "", false } // an empty environment

	_, err := config.LoadEnv("testdata/broken.toml", lookup)
	var ds config.Diagnostics
	if errors.As(err, &ds) {
		for _, d := range ds {
			fmt.Println(d)
		}
	}
	// Output:
	// testdata/broken.toml:4:12: "schedule" "every 5 minutes" is not a valid schedule: expected exactly 5 fields, found 3: [every 5 minutes]; want 5 cron fields (minute hour day-of-month month day-of-week, e.g. "*/10 * * * *") or a descriptor (@every 5m, @hourly, @daily, @weekly, @monthly, @yearly)
	// testdata/broken.toml:5:1: unknown key "backfil" in [daemon] (did you mean "backfill"?)
	// testdata/broken.toml:12:8: feed name "Times of Israel" is already used by the feed on line 8; names must be unique
	// testdata/broken.toml:13:7: warning: the feed on line 9 has the same URL, so it is fetched twice
	// testdata/broken.toml:15:3: missing "channel": a "slack" notifier needs a default channel such as "#news-alerts" (rules may name another)
	// testdata/broken.toml:18:10: environment variable SLACK_BOT_TOKEN is not set (referenced as ${SLACK_BOT_TOKEN}; write $${ for a literal ${)
}

func ExampleParseDuration() {
	for _, s := range []string{"90s", "1h30m", "7d", "1d12h"} {
		d, _ := config.ParseDuration(s)
		fmt.Println(s, "=", d)
	}
	// Output:
	// 90s = 1m30s
	// 1h30m = 1h30m0s
	// 7d = 168h0m0s
	// 1d12h = 36h0m0s
}

func ExampleParseSize() {
	for _, s := range []string{"512KiB", "10MiB", "1.5GB", "65536"} {
		n, _ := config.ParseSize(s)
		fmt.Println(s, "=", n, "bytes")
	}
	// Output:
	// 512KiB = 524288 bytes
	// 10MiB = 10485760 bytes
	// 1.5GB = 1500000000 bytes
	// 65536 = 65536 bytes
}

func ExampleLocate() {
	getenv := func(string) string { return "" } // NEWSWATCH_CONFIG not set
	files := fstest.MapFS{"my.toml": {}}        // the only file there is
	stat := func(path string) (fs.FileInfo, error) { return fs.Stat(files, path) }
	path, err := config.Locate("my.toml", getenv, stat)
	fmt.Println(path, err)
	_, err = config.Locate("", getenv, stat)
	fmt.Println(err)
	// Output:
	// my.toml <nil>
	// no configuration file found; looked at, in order:
	//   -config: not given
	//   $NEWSWATCH_CONFIG: not set
	//   ./config.toml: no such file
	//   /etc/newswatch/config.toml: no such file
	// name a configuration file with -config FILE; to try newswatch from its source tree, use -config config.example.toml
}
