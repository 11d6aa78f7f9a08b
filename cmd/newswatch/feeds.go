package main

import (
	"context"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/pipeline"
)

func init() {
	program.RegisterGroup("feeds", "list, add, import, export and try feeds", help("feeds"),
		cli.Sub{Name: "list", Run: cmdFeedsList},
		cli.Sub{Name: "add", Run: cmdFeedsAdd},
		cli.Sub{Name: "import", Run: cmdFeedsImport},
		cli.Sub{Name: "export", Run: cmdFeedsExport},
		cli.Sub{Name: "test", Run: cmdFeedsTest})
}

func cmdFeedsList(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("feeds list", "feeds list [-json] [-config FILE]", help("feeds list"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	now := time.Now()
	statuses, err := pipeline.FeedStatuses(ctx, cfg, now)
	if err != nil {
		return err
	}
	if *asJSON {
		return format.FeedsJSON(sio.Stdout, statuses)
	}
	return format.FeedsTable(sio.Stdout, statuses, now)
}

// splitList reads a comma-separated flag value: "a, b,,c" is [a b c].
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
