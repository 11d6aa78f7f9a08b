package format

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/store"
)

// SilenceRecord is one line of 'mutes list -json'. Times are RFC 3339 in
// UTC; times that did not happen are left out.
type SilenceRecord struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	Active    bool   `json:"active"`
	Notifier  string `json:"notifier"`
	Channel   string `json:"channel,omitempty"`
	ChannelID string `json:"channel_id,omitempty"`
	StoryID   int64  `json:"story_id,omitempty"`
	Rule      string `json:"rule,omitempty"`
	AlertID   int64  `json:"alert_id,omitempty"`
	Title     string `json:"title,omitempty"`
	CreatedBy string `json:"created_by"`
	CreatorID string `json:"creator_id,omitempty"`
	CreatedAt string `json:"created_at"`
	Until     string `json:"until,omitempty"`
	RemovedAt string `json:"removed_at,omitempty"`
	RemovedBy string `json:"removed_by,omitempty"`
}

// SilencesJSON writes 'mutes list -json': one SilenceRecord a line.
func SilencesJSON(w io.Writer, list []*store.Silence, now time.Time) error {
	return cli.JSONLines(w, list, func(s *store.Silence) any {
		return SilenceRecord{ID: s.ID, Kind: string(s.Kind), Active: s.Active(now), Notifier: s.Notifier,
			Channel: s.Channel, ChannelID: s.ChannelID, StoryID: s.StoryID, Rule: s.Rule, AlertID: s.AlertID,
			Title: s.Title, CreatedBy: s.CreatedBy, CreatorID: s.CreatorID, CreatedAt: cli.JSONTime(s.CreatedAt),
			Until: cli.JSONTime(s.Until), RemovedAt: cli.JSONTime(s.RemovedAt), RemovedBy: s.RemovedBy}
	})
}

// SilencesTable prints silences as an aligned table; text from Slack
// and feeds is cleaned of control characters and cut.
func SilencesTable(w io.Writer, list []*store.Silence, now time.Time, loc *time.Location) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tWHAT\tWHERE\tBY\tSINCE\tUNTIL\tSTATE")
	for _, s := range list {
		what := "rule " + s.Rule
		if s.Kind == store.SilenceMute {
			what = s.Title
			if what == "" {
				what = "story " + strconv.FormatInt(s.StoryID, 10)
			}
		}
		where := s.Notifier
		if s.Channel != "" {
			where += " " + s.Channel
		}
		until := cli.TableTime(s.Until, loc)
		if s.Until.IsZero() {
			until = "(the story)"
		}
		state := "active"
		switch {
		case !s.RemovedAt.IsZero():
			state = "undone by " + s.RemovedBy
		case !s.Active(now):
			state = "ended"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Kind, cli.Cell(what, 50), cli.Cell(where, 30),
			cli.Cell(s.CreatedBy, 20), cli.TableTime(s.CreatedAt, loc), until, cli.Cell(state, 40))
	}
	return tw.Flush()
}
