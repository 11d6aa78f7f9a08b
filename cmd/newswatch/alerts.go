package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
)

func init() {
	program.RegisterGroup("alerts", "list alert history and dead letters; requeue dead letters", help("alerts"),
		cli.Sub{Name: "list", Run: cmdAlertsList},
		cli.Sub{Name: "retry", Run: cmdAlertsRetry})
}

func cmdAlertsList(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("alerts list", "alerts list [-failed] [-rule R] [-since D] [-limit N] [-json] [-config FILE]", help("alerts list"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	failed := fs.Bool("failed", false, "list dead letters only, with the reason they failed")
	rule := fs.String("rule", "", "list only alerts of this rule")
	since := fs.String("since", "", "list only alerts created since this duration ago or this date")
	limit := fs.Int("limit", 100, "list at most this many alerts (0 for all)")
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if *limit < 0 {
		return cli.UsageError("-limit must not be negative")
	}
	filter := store.AlertFilter{Rule: *rule, Limit: *limit}
	if *failed {
		filter.Status = model.StatusDead
	}
	if *since != "" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			return cli.UsageError(err.Error())
		}
		filter.Since = t
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	st, path, err := pipeline.OpenExisting(ctx, cfg)
	if errors.Is(err, os.ErrNotExist) {
		if *rule != "" {
			if err := pipeline.CheckRuleName(ctx, cfg, nil, *rule); err != nil {
				return err
			}
		}
		return cli.Exit(0, fmt.Errorf("no alerts yet: no database at %s", path))
	}
	if err != nil {
		return err
	}
	defer st.Close()
	alerts, err := st.Alerts(ctx, filter)
	if err != nil {
		return err
	}
	if len(alerts) == 0 && *rule != "" {
		if err := pipeline.CheckRuleName(ctx, cfg, st, *rule); err != nil {
			return err
		}
	}
	// The rules say when a digest line goes out; rules that do not load
	// leave that unknown, not the listing.
	set, _ := pipeline.LoadRules(cfg, "")
	digests := notify.DigestTimes(set, time.Local)
	if *asJSON {
		return format.AlertsJSON(sio.Stdout, alerts, digests)
	}
	if err := format.AlertsTable(sio.Stdout, alerts, *failed, digests, time.Local); err != nil {
		return err
	}
	if *limit > 0 && len(alerts) == *limit {
		fmt.Fprintf(sio.Stderr, "(the newest %d; -limit 0 lists all)\n", *limit)
	}
	return nil
}

func cmdAlertsRetry(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("alerts retry", "alerts retry ID...|all [-config FILE]", help("alerts retry"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	rest, err := cli.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return cli.UsageError("missing alert ID or \"all\"")
	}
	all := len(rest) == 1 && rest[0] == "all"
	var ids []int64
	if !all {
		for _, arg := range rest {
			id, err := strconv.ParseInt(arg, 10, 64)
			if err != nil || id <= 0 {
				return cli.UsageError(fmt.Sprintf("%q is not an alert ID (or \"all\")", arg))
			}
			ids = append(ids, id)
		}
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	st, path, err := pipeline.OpenExisting(ctx, cfg)
	if errors.Is(err, os.ErrNotExist) {
		if all {
			fmt.Fprintln(sio.Stdout, "no dead letters to retry")
			return nil
		}
		return fmt.Errorf("no alerts yet: no database at %s", path)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	if all {
		n, err := st.Requeue(ctx, 0, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(sio.Stdout, "requeued %d dead %s\n", n, cli.Plural(n, "letter", "letters"))
		return nil
	}
	var failed cli.Failures
	for _, id := range ids {
		n, err := st.Requeue(ctx, id, now)
		switch {
		case errors.Is(err, store.ErrNotFound):
			failed = append(failed, fmt.Errorf("no alert %d", id))
		case err != nil:
			failed = append(failed, err)
		case n == 0:
			failed = append(failed, fmt.Errorf("alert %d was delivered; there is nothing to retry", id))
		default:
			fmt.Fprintf(sio.Stdout, "requeued alert %d\n", id)
		}
	}
	if failed != nil {
		return failed
	}
	return nil
}

// parseSince reads -since: a duration back from now, or a date or time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := config.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("-since %q: want a positive duration", s)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf(`-since %q: want a duration ("24h", "7d") or a date ("2026-11-20", "2026-11-20T08:00:00Z")`, s)
}
