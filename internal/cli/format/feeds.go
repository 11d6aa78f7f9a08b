package format

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/newswatch/newswatch/internal/admin"
	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/feedhealth"
)

// FeedRecord is one line of 'feeds list -json'. Times are RFC 3339 in UTC;
// times that did not happen are left out.
type FeedRecord struct {
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
	PollOverdueSince    string   `json:"poll_overdue_since,omitempty"`
	LastItemAt          string   `json:"last_item_at,omitempty"`
	Items24h            int      `json:"items_24h"`
	// PolledBy names the replica that polled the feed last, and ClaimedBy
	// the one polling it now, when replicas share a PostgreSQL database.
	PolledBy  string `json:"polled_by,omitempty"`
	ClaimedBy string `json:"claimed_by,omitempty"`
}

// FeedsJSON writes 'feeds list -json': one FeedRecord a line.
func FeedsJSON(w io.Writer, statuses []feedhealth.Status) error {
	return cli.JSONLines(w, statuses, func(s feedhealth.Status) any {
		j := FeedRecord{
			Name: s.Feed.Name, URL: s.Feed.URL, CurrentURL: s.CurrentURL, Tags: s.Feed.Tags,
			Enabled: s.Feed.Enabled, Schedule: s.Feed.Schedule, State: string(s.State), Alerted: string(s.Alerted),
			LastFetchAt: cli.JSONTime(s.LastFetchAt), LastSuccessAt: cli.JSONTime(s.LastSuccessAt),
			LastStatus: s.LastStatus, LastError: s.LastError, ConsecutiveFailures: s.ConsecutiveFailures,
			FailingSince: cli.JSONTime(s.FailingSince), HeldUntil: cli.JSONTime(s.HeldUntil),
			NextPollAt: cli.JSONTime(s.NextPollAt), LastItemAt: cli.JSONTime(s.LastItemAt), Items24h: s.ItemsLastDay,
			PollOverdueSince: cli.JSONTime(s.OverdueSince), PolledBy: s.PolledBy, ClaimedBy: s.ClaimedBy,
		}
		if s.Feed.ExpectEvery > 0 {
			j.ExpectEvery = s.Feed.ExpectEvery.String()
		}
		return j
	})
}

// FeedsTable prints the statuses as an aligned table. When replicas share
// the database (a feed says which replica polled it), a column POLLED BY
// names the replica that polled each feed last, or polls it now.
func FeedsTable(w io.Writer, statuses []feedhealth.Status, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	replicas := slices.ContainsFunc(statuses, func(s feedhealth.Status) bool { return s.PolledBy != "" || s.ClaimedBy != "" })
	header := "NAME\tSTATE\tLAST SUCCESS\tFAILURES\tNEXT POLL\tITEMS 24H"
	if replicas {
		header += "\tPOLLED BY"
	}
	fmt.Fprintln(tw, header+"\tLAST ERROR")
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
			lastErr = admin.ShortError(s.LastError, 80) // the cause, which comes last
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d", cli.Cell(s.Feed.Name, 40), state,
			relativeTime(s.LastSuccessAt, now), s.ConsecutiveFailures, next, s.ItemsLastDay)
		if replicas {
			fmt.Fprintf(tw, "\t%s", polledBy(s))
		}
		fmt.Fprintf(tw, "\t%s\n", lastErr)
	}
	return tw.Flush()
}

// polledBy is the replica that polled s last, and the one polling it now
// when that is another.
func polledBy(s feedhealth.Status) string {
	switch {
	case s.ClaimedBy != "" && s.ClaimedBy != s.PolledBy && s.PolledBy != "":
		return cli.Cell(s.PolledBy, 40) + " (now " + cli.Cell(s.ClaimedBy, 40) + ")"
	case s.ClaimedBy != "":
		return cli.Cell(s.ClaimedBy, 40) + " (now)"
	case s.PolledBy != "":
		return cli.Cell(s.PolledBy, 40)
	}
	return "-"
}

// relativeTime renders t relative to now as the status page does, and
// "-" for never.
func relativeTime(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return admin.RelativeTime(t, now)
}
