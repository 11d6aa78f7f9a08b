package format

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/model"
)

// AlertRecord is one line of 'alerts list -json'. Times are RFC 3339 in UTC;
// times that did not happen are left out.
type AlertRecord struct {
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

// AlertsJSON writes 'alerts list -json': one AlertRecord a line.
func AlertsJSON(w io.Writer, alerts []*model.Alert) error {
	return cli.JSONLines(w, alerts, func(a *model.Alert) any {
		j := AlertRecord{
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

// AlertsTable prints alerts as an aligned table. Feed text is cleaned
// of control characters, so a title cannot send escape sequences to the
// terminal, and long fields are cut.
func AlertsTable(w io.Writer, alerts []*model.Alert, failed bool, loc *time.Location) error {
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
