package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/cli/format"
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
		return format.SilencesJSON(sio.Stdout, list, now)
	}
	if len(list) == 0 && !*all {
		fmt.Fprintln(sio.Stdout, "No story is muted and no rule is snoozed.")
		return nil
	}
	return format.SilencesTable(sio.Stdout, list, now, time.Local)
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
