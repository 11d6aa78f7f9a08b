package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/internal/silence"
	"github.com/newswatch/newswatch/internal/store"
)

func init() {
	program.RegisterGroup("mutes", "list and undo the mutes and snoozes set from Slack", help("mutes"),
		cli.Sub{Name: "list", Run: cmdMutesList},
		cli.Sub{Name: "remove", Run: cmdMutesRemove})
}

func cmdMutesList(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("mutes list", "mutes list [-all] [-json] [-config FILE]", help("mutes list"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	all := fs.Bool("all", false, "list those that ended or were undone too")
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	st, path, err := pipeline.OpenExisting(ctx, cfg)
	if errors.Is(err, os.ErrNotExist) {
		return cli.Exit(0, fmt.Errorf("nothing is muted: no database at %s", path))
	}
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	filter := store.SilenceFilter{ActiveAt: now}
	if *all {
		filter = store.SilenceFilter{}
	}
	list, err := st.Silences(ctx, filter)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeSilencesJSON(sio.Stdout, list, now)
	}
	if len(list) == 0 && !*all {
		fmt.Fprintln(sio.Stdout, "No story is muted and no rule is snoozed.")
		return nil
	}
	return writeSilencesTable(sio.Stdout, list, now, time.Local)
}

func cmdMutesRemove(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("mutes remove", "mutes remove ID... [-config FILE]", help("mutes remove"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	rest, err := cli.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return cli.UsageError("missing the ID of a mute or snooze (see 'newswatch mutes list')")
	}
	var ids []int64
	for _, arg := range rest {
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || id <= 0 {
			return cli.UsageError(fmt.Sprintf("%q is not the ID of a mute or snooze", arg))
		}
		ids = append(ids, id)
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	st, path, err := pipeline.OpenExisting(ctx, cfg)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("nothing is muted: no database at %s", path)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	book := &silence.Book{Store: st, Log: slog.New(slog.DiscardHandler)}
	by := "newswatch mutes remove"
	if u := os.Getenv("USER"); u != "" {
		by += " (" + u + ")"
	}
	var failed cli.Failures
	for _, id := range ids {
		s, released, err := book.Remove(ctx, id, by, time.Now())
		switch {
		case errors.Is(err, store.ErrNotFound):
			failed = append(failed, fmt.Errorf("no mute or snooze %d", id))
		case errors.Is(err, store.ErrSilenceEnded):
			failed = append(failed, fmt.Errorf("mute or snooze %d already ended or was undone", id))
		case err != nil:
			failed = append(failed, err)
		case s.Kind == store.SilenceMute:
			fmt.Fprintf(sio.Stdout, "removed mute %d: %s\n", id, cli.Cell(s.Title, 80))
		default:
			fmt.Fprintf(sio.Stdout, "removed snooze %d of rule %s; %s it held %s now, as one summary\n", id, s.Rule,
				cli.Count(released, "alert", "alerts"), cli.Plural(released, "goes out", "go out"))
		}
	}
	if failed != nil {
		return failed
	}
	return nil
}

// silenceJSON is one line of 'mutes list -json'. Times are RFC 3339 in
// UTC; times that did not happen are left out.
type silenceJSON struct {
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

func writeSilencesJSON(w io.Writer, list []*store.Silence, now time.Time) error {
	return cli.JSONLines(w, list, func(s *store.Silence) any {
		return silenceJSON{ID: s.ID, Kind: string(s.Kind), Active: s.Active(now), Notifier: s.Notifier,
			Channel: s.Channel, ChannelID: s.ChannelID, StoryID: s.StoryID, Rule: s.Rule, AlertID: s.AlertID,
			Title: s.Title, CreatedBy: s.CreatedBy, CreatorID: s.CreatorID, CreatedAt: cli.JSONTime(s.CreatedAt),
			Until: cli.JSONTime(s.Until), RemovedAt: cli.JSONTime(s.RemovedAt), RemovedBy: s.RemovedBy}
	})
}

// writeSilencesTable prints silences as an aligned table; text from Slack
// and feeds is cleaned of control characters and cut.
func writeSilencesTable(w io.Writer, list []*store.Silence, now time.Time, loc *time.Location) error {
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
