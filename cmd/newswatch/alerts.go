package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/internal/store"
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
	if *asJSON {
		return writeAlertsJSON(sio.Stdout, alerts)
	}
	if err := writeAlertsTable(sio.Stdout, alerts, *failed, time.Local); err != nil {
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

// alertJSON is one line of 'alerts list -json'. Times are RFC 3339 in UTC;
// times that did not happen are left out.
type alertJSON struct {
	ID            int64    `json:"id"`
	Status        string   `json:"status"`
	Rule          string   `json:"rule"`
	Severity      string   `json:"severity,omitempty"`
	Notifier      string   `json:"notifier"`
	Channel       string   `json:"channel,omitempty"`
	Digest        bool     `json:"digest,omitempty"`
	Title         string   `json:"title"`
	Link          string   `json:"link,omitempty"`
	Feed          string   `json:"feed,omitempty"`
	Published     string   `json:"published,omitempty"`
	Matched       []string `json:"matched,omitempty"`
	CreatedAt     string   `json:"created_at"`
	Attempts      int      `json:"attempts"`
	NextAttemptAt string   `json:"next_attempt_at,omitempty"`
	DeliveredAt   string   `json:"delivered_at,omitempty"`
	DeadAt        string   `json:"dead_at,omitempty"`
	LastError     string   `json:"last_error,omitempty"`
	RemoteID      string   `json:"remote_id,omitempty"`
	RemoteChannel string   `json:"remote_channel,omitempty"`
	// SilenceID is the mute that settled the alert without sending it, or
	// the snooze that holds it back ('newswatch mutes list').
	SilenceID int64 `json:"silence_id,omitempty"`
}

func writeAlertsJSON(w io.Writer, alerts []*model.Alert) error {
	return cli.JSONLines(w, alerts, func(a *model.Alert) any {
		j := alertJSON{
			ID: a.ID, Status: string(a.Status), Rule: a.Rule, Severity: a.Severity,
			Notifier: a.Notifier, Channel: a.Channel, Digest: a.Digest,
			Title: a.Title, Link: a.Link, Feed: a.Feed, Published: cli.JSONTime(a.Published),
			CreatedAt: cli.JSONTime(a.CreatedAt), Attempts: a.Attempts,
			DeliveredAt: cli.JSONTime(a.DeliveredAt), DeadAt: cli.JSONTime(a.DeadAt),
			LastError: a.LastError, RemoteID: a.RemoteID, RemoteChannel: a.RemoteChannel, SilenceID: a.SilenceID,
		}
		if a.Status == model.StatusQueued {
			j.NextAttemptAt = cli.JSONTime(a.NextAttemptAt)
		}
		for _, h := range a.Hits {
			j.Matched = append(j.Matched, h.Text)
		}
		return j
	})
}

// writeAlertsTable prints alerts as an aligned table. Feed text is cleaned
// of control characters, so a title cannot send escape sequences to the
// terminal, and long fields are cut.
func writeAlertsTable(w io.Writer, alerts []*model.Alert, failed bool, loc *time.Location) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if failed {
		fmt.Fprintln(tw, "ID\tCREATED\tDEAD\tRULE\tTO\tTRIES\tREASON\tTITLE")
	} else {
		fmt.Fprintln(tw, "ID\tCREATED\tSTATUS\tRULE\tTO\tTRIES\tTITLE")
	}
	for _, a := range alerts {
		to := a.Notifier
		if a.Channel != "" {
			to += " " + a.Channel
		}
		title := cli.Cell(a.Title, 60)
		if title == "" {
			title = "(untitled)"
		}
		if failed {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", a.ID, cli.TableTime(a.CreatedAt, loc), cli.TableTime(a.DeadAt, loc),
				cli.Cell(a.Rule, 40), cli.Cell(to, 40), a.Attempts, cli.Cell(a.LastError, 80), title)
			continue
		}
		status := string(a.Status)
		switch {
		case a.SilenceID != 0 && a.Status == model.StatusDelivered:
			status = "muted" // settled by a mute, not sent
		case a.SilenceID != 0 && a.Status == model.StatusQueued && a.NextAttemptAt.After(time.Now()):
			status = "snoozed"
		case a.Digest && a.Status == model.StatusQueued:
			status = "digest"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", a.ID, cli.TableTime(a.CreatedAt, loc), status,
			cli.Cell(a.Rule, 40), cli.Cell(to, 40), a.Attempts, title)
	}
	return tw.Flush()
}
