package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newswatch/newswatch/internal/admin"
	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/feedhealth"
	"github.com/newswatch/newswatch/internal/pipeline"
)

func init() {
	program.RegisterGroup("feeds", "list, add, import, export and try feeds", feedsDescription,
		cli.Sub{Name: "list", Run: cmdFeedsList},
		cli.Sub{Name: "add", Run: cmdFeedsAdd},
		cli.Sub{Name: "import", Run: cmdFeedsImport},
		cli.Sub{Name: "export", Run: cmdFeedsExport},
		cli.Sub{Name: "test", Run: cmdFeedsTest})
}

const feedsDescription = `
Manages the feeds of the configuration file.

  feeds list [-json]
      Each feed's state, as on the status page: ok, failing, silent (no
      new item for longer than its expect_every), new (not fetched yet) or
      disabled; last success, failures, next poll, items of the last 24
      hours and the last error.
  feeds add URL [-name NAME] [-tags a,b] [-schedule S] [-expect-every D] [-lang L] [-dry-run]
      Appends a [[feed]] to the configuration file, keeping its comments
      and layout. URL may be a feed, or a web page that links to its feed
      (<link rel="alternate">).
  feeds import FILE.opml [-dry-run]
      Appends every feed of an OPML subscription list (as feed readers
      export them) that is not configured yet; folders become tags.
  feeds export [-o FILE]
      Writes the configured feeds as an OPML 2.0 subscription list.
  feeds test URL [-n N] [-json]
      Fetches and parses a feed (or the feed a page links to) and shows
      its items. It changes nothing.

A running daemon reads the configuration at start: restart it after
'feeds add' or 'feeds import' to poll the new feeds.

Exit status: 0 on success, 1 on errors.
`

const feedsListDescription = `
Lists the configured feeds with their state, read from the database of a
daemon that has run (a feed not polled yet is "new"). States: ok; failing
(its last fetch failed; it backs off and is retried); silent (fetched without
error, but no new item for longer than its expect_every); new; disabled.
"alerted" follows a state when operators were sent a feed-health alert
about it. Times are relative to now.
`

func cmdFeedsList(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("feeds list", "feeds list [-json] [-config FILE]", feedsListDescription, sio.Stderr)
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
		return writeFeedsJSON(sio.Stdout, statuses)
	}
	return writeFeedsTable(sio.Stdout, statuses, now)
}

// feedJSON is one line of 'feeds list -json'. Times are RFC 3339 in UTC;
// times that did not happen are left out.
type feedJSON struct {
	Name                string   `json:"name"`
	URL                 string   `json:"url"`
	CurrentURL          string   `json:"current_url,omitempty"`
	Tags                []string `json:"tags,omitempty"`
	Enabled             bool     `json:"enabled"`
	Schedule            string   `json:"schedule"`
	ExpectEvery         string   `json:"expect_every,omitempty"`
	State               string   `json:"state"`
	Alerted             string   `json:"alerted,omitempty"`
	LastFetchAt         string   `json:"last_fetch_at,omitempty"`
	LastSuccessAt       string   `json:"last_success_at,omitempty"`
	LastStatus          int      `json:"last_status,omitempty"`
	LastError           string   `json:"last_error,omitempty"`
	ConsecutiveFailures int      `json:"consecutive_failures"`
	FailingSince        string   `json:"failing_since,omitempty"`
	HeldUntil           string   `json:"held_until,omitempty"`
	NextPollAt          string   `json:"next_poll_at,omitempty"`
	LastItemAt          string   `json:"last_item_at,omitempty"`
	Items24h            int      `json:"items_24h"`
}

func writeFeedsJSON(w io.Writer, statuses []feedhealth.Status) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, s := range statuses {
		j := feedJSON{
			Name: s.Feed.Name, URL: s.Feed.URL, CurrentURL: s.CurrentURL, Tags: s.Feed.Tags,
			Enabled: s.Feed.Enabled, Schedule: s.Feed.Schedule, State: string(s.State), Alerted: string(s.Alerted),
			LastFetchAt: cli.JSONTime(s.LastFetchAt), LastSuccessAt: cli.JSONTime(s.LastSuccessAt),
			LastStatus: s.LastStatus, LastError: s.LastError, ConsecutiveFailures: s.ConsecutiveFailures,
			FailingSince: cli.JSONTime(s.FailingSince), HeldUntil: cli.JSONTime(s.HeldUntil),
			NextPollAt: cli.JSONTime(s.NextPollAt), LastItemAt: cli.JSONTime(s.LastItemAt), Items24h: s.ItemsLastDay,
		}
		if s.Feed.ExpectEvery > 0 {
			j.ExpectEvery = s.Feed.ExpectEvery.String()
		}
		if err := enc.Encode(j); err != nil {
			return err
		}
	}
	return nil
}

// writeFeedsTable prints the statuses as an aligned table.
func writeFeedsTable(w io.Writer, statuses []feedhealth.Status, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tLAST SUCCESS\tFAILURES\tNEXT POLL\tITEMS 24H\tLAST ERROR")
	for _, s := range statuses {
		state := string(s.State)
		if s.Alerted != "" {
			state += " (alerted)"
		}
		next := relativeTime(s.NextPollAt, now)
		if !s.HeldUntil.IsZero() {
			next += " (backoff)"
		}
		lastErr := "-"
		if s.LastError != "" {
			lastErr = cli.Cell(s.LastError, 80)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", cli.Cell(s.Feed.Name, 40), state,
			relativeTime(s.LastSuccessAt, now), s.ConsecutiveFailures, next, s.ItemsLastDay, lastErr)
	}
	return tw.Flush()
}

// relativeTime renders t relative to now as the status page does, and
// "-" for never.
func relativeTime(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return admin.RelativeTime(t, now)
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
