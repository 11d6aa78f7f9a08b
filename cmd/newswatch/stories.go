package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/dryrun"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/internal/store"
)

func init() {
	program.RegisterGroup("stories", "say why two reports were or were not grouped; take a report out of a story", help("stories"),
		cli.Sub{Name: "explain", Run: cmdStoriesExplain},
		cli.Sub{Name: "split", Run: cmdStoriesSplit})
}

func cmdStoriesExplain(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("stories explain", "stories explain A B [-json] [-config FILE]", help("stories explain"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	asJSON := fs.Bool("json", false, "print one JSON object")
	rest, err := cli.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		return cli.UsageError("want two items, each by ID or link")
	}
	cfg, st, err := openStories(ctx, *configPath, sio)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := findItem(ctx, st, rest[0])
	if err != nil {
		return err
	}
	b, err := findItem(ctx, st, rest[1])
	if err != nil {
		return err
	}
	if a.ID == b.ID {
		return cli.UsageError(fmt.Sprintf("%s and %s are the same item", rest[0], rest[1]))
	}
	p, err := dryrun.ExplainPair(ctx, st, pipeline.StoryOptions(cfg), a, b)
	if err != nil {
		return err
	}
	if *asJSON {
		return format.PairJSON(sio.Stdout, p)
	}
	return format.PairText(sio.Stdout, p)
}

// openStories loads the configuration at path and opens its store, which
// must exist: the stories commands look at what was stored.
func openStories(ctx context.Context, path string, sio *IO) (*config.Config, *store.Store, error) {
	cfg, err := loadConfig(path, sio, sio.Stderr)
	if err != nil {
		return nil, nil, err
	}
	st, dbPath, err := pipeline.OpenExisting(ctx, cfg)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("nothing stored yet: no database at %s", dbPath)
	}
	return cfg, st, err
}

// findItem returns the stored item ref names (an ID or a link), or an error
// that says why there is not exactly one.
func findItem(ctx context.Context, st *store.Store, ref string) (*model.Item, error) {
	items, err := st.FindItems(ctx, ref)
	if err != nil {
		return nil, err
	}
	switch len(items) {
	case 0:
		return nil, fmt.Errorf("no stored item %s (an item ID, as backtest -json shows them, or its link)", ref)
	case 1:
		return items[0], nil
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, strconv.FormatInt(it.ID, 10)+" ("+cli.Clip(cli.OneLine(it.Feed), 40)+")")
	}
	return nil, fmt.Errorf("%d stored items have the link %s; name one by ID: %s", len(items), ref, strings.Join(ids, ", "))
}

func cmdStoriesSplit(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("stories split", "stories split STORY ITEM [-config FILE]", help("stories split"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	rest, err := cli.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		return cli.UsageError("want a story ID and an item (by ID or link)")
	}
	storyID, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil || storyID <= 0 {
		return cli.UsageError(fmt.Sprintf("%q is not a story ID", rest[0]))
	}
	_, st, err := openStories(ctx, *configPath, sio)
	if err != nil {
		return err
	}
	defer st.Close()
	it, err := findItem(ctx, st, rest[1])
	if err != nil {
		return err
	}
	mv, err := st.SplitItem(ctx, storyID, it.ID, time.Now())
	switch {
	case errors.Is(err, store.ErrNotInStory) && it.StoryID == storyID:
		return fmt.Errorf("item %d is the only item of story %d: nothing to split it from", it.ID, storyID)
	case errors.Is(err, store.ErrNotInStory):
		return fmt.Errorf("item %d is in story %d, not %d", it.ID, it.StoryID, storyID)
	case err != nil:
		return err
	}
	fmt.Fprintf(sio.Stdout, "item %d left story %d: it is story %d now, and the next report of it alerts as a story of its own\n",
		mv.Item, mv.From, mv.To)
	return nil
}
