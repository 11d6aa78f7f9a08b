package format

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/notify"
)

// AlertRecord is one line of 'alerts list -json'. Times are RFC 3339 in UTC;
// times that did not happen are left out.
type AlertRecord struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	// Kind and State are notify.Delivery's: a follow-up or a digest line
	// told from an alert, and a follow-up waiting for its alert told from
	// one due.
	Kind     string `json:"kind"`
	State    string `json:"state"`
	ParentID int64  `json:"parent_id,omitempty"`
	Rule     string `json:"rule"`
	Severity string `json:"severity,omitempty"`
	Notifier string `json:"notifier"`
	Channel  string `json:"channel,omitempty"`
	Digest   bool   `json:"digest,omitempty"`
	Title    string `json:"title"`
	Link     string `json:"link,omitempty"`
	Feed     string `json:"feed,omitempty"`
	// Published and the other times: RFC 3339 in UTC.
	Published string   `json:"published,omitempty"`
	Matched   []string `json:"matched,omitempty"`
	CreatedAt string   `json:"created_at"`
	// Attempts counts the delivery attempts made, the one that succeeded
	// included; FailedAttempts those that failed.
	Attempts       int    `json:"attempts"`
	FailedAttempts int    `json:"failed_attempts"`
	NextAttemptAt  string `json:"next_attempt_at,omitempty"`
	// SendsAt is when a queued alert is to be sent: its next attempt, or
	// its rule's next digest.
	SendsAt       string `json:"sends_at,omitempty"`
	DeliveredAt   string `json:"delivered_at,omitempty"`
	DeadAt        string `json:"dead_at,omitempty"`
	LastError     string `json:"last_error,omitempty"`
	RemoteID      string `json:"remote_id,omitempty"`
	RemoteChannel string `json:"remote_channel,omitempty"`
	// SilenceID is the mute that settled the alert without sending it, or
	// the snooze that holds it back ('newswatch mutes list').
	SilenceID int64 `json:"silence_id,omitempty"`
}

// AlertsJSON writes 'alerts list -json': one AlertRecord a line. digests
// says when a digest line is to be sent.
func AlertsJSON(w io.Writer, alerts []*model.Alert, digests notify.DigestClock) error {
	now := time.Now()
	return cli.JSONLines(w, alerts, func(a *model.Alert) any {
		d := notify.DeliveryOf(a, digests, now)
		j := AlertRecord{
			ID: a.ID, Status: string(a.Status), Kind: d.Kind, State: d.State, ParentID: a.ParentID,
			Rule: a.Rule, Severity: a.Severity,
			Notifier: a.Notifier, Channel: a.Channel, Digest: a.Digest,
			Title: a.Title, Link: a.Link, Feed: a.Feed, Published: cli.JSONTime(a.Published),
			CreatedAt: cli.JSONTime(a.CreatedAt), Attempts: d.Attempts, FailedAttempts: a.Attempts,
			DeliveredAt: cli.JSONTime(a.DeliveredAt), DeadAt: cli.JSONTime(a.DeadAt),
			LastError: a.LastError, RemoteID: a.RemoteID, RemoteChannel: a.RemoteChannel, SilenceID: a.SilenceID,
		}
		if a.Status == model.StatusQueued {
			j.NextAttemptAt = cli.JSONTime(a.NextAttemptAt)
			j.SendsAt = cli.JSONTime(d.At)
		}
		for _, h := range a.Hits {
			j.Matched = append(j.Matched, h.Text)
		}
		return j
	})
}

// AlertsTable prints alerts as an aligned table: what each is (an alert,
// a follow-up, an update, a digest line), where it is in its delivery,
// the attempts made, and when it was or will be sent (digests says when a
// digest line goes). Feed text is cleaned of control characters, so a
// title cannot send escape sequences to the terminal, and long fields are
// cut.
func AlertsTable(w io.Writer, alerts []*model.Alert, failed bool, digests notify.DigestClock, loc *time.Location) error {
	now := time.Now()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if failed {
		fmt.Fprintln(tw, "ID\tCREATED\tDEAD\tKIND\tRULE\tTO\tTRIES\tREASON\tTITLE")
	} else {
		fmt.Fprintln(tw, "ID\tCREATED\tKIND\tSTATUS\tWHEN\tRULE\tTO\tTRIES\tTITLE")
	}
	for _, a := range alerts {
		d := notify.DeliveryOf(a, digests, now)
		to := a.Notifier
		if a.Channel != "" {
			to += " " + a.Channel
		}
		title := cli.Cell(a.Title, 60)
		if title == "" {
			title = "(untitled)"
		}
		if failed {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", a.ID, cli.TableTime(a.CreatedAt, loc), cli.TableTime(a.DeadAt, loc),
				d.Kind, cli.Cell(a.Rule, 40), cli.Cell(to, 40), d.Attempts, cli.Cell(a.LastError, 80), title)
			continue
		}
		when := cli.TableTime(d.At, loc)
		if d.State == notify.StateWaiting {
			when = fmt.Sprintf("after %d", d.After)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", a.ID, cli.TableTime(a.CreatedAt, loc), d.Kind, d.State, when,
			cli.Cell(a.Rule, 40), cli.Cell(to, 40), d.Attempts, title)
	}
	return tw.Flush()
}
