package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/internal/tomlfile"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

func init() {
	register("backtest", "run rules against stored items, grouped by story; sends nothing", cmdBacktest)
}

const backtestDescription = `
Runs rules against the items newswatch has stored (their text is kept for
store.retention) and shows what they would have alerted, grouped by story
as the daemon groups them: one entry per rule and story, the newest story
first, with every stored item of the story that the rule matches, the first
seen first. Nothing is sent and nothing is written. It is the way to try a
rule change on last week's news before saving it, and to see why two
reports were, or were not, taken for one story.

-rules takes a rule file or a directory of *.toml rule files (a draft);
by default the configured rules.dir is used. -since takes a duration back
from now ("168h", "7d") or a date ("2026-11-20").

With -json, one JSON object per line:
  {"rule":"…","story":"…","items":[{"feed":"…","title":"…","link":"…","published":"2026-11-26T09:12:00Z"}]}
"story" is the story's ID in the store ("item-N" for an item stored before
stories were kept); "published" is left out when the feed gave no date.

Exit status: 0 on success, 1 on errors (a bad flag, configuration or rule).
`

func cmdBacktest(ctx context.Context, args []string, sio *IO) error {
	fs := newFlagSet("backtest", "backtest [-config FILE] [-rules PATH] [-since 168h] [-json]", backtestDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	rulesPath := fs.String("rules", "", "a rule file or directory to try instead of the configured rules")
	since := fs.String("since", "168h", "items first seen since this duration ago or this date")
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	now := time.Now()
	from, err := parseSince(*since, now)
	if err != nil {
		return usageError(err.Error())
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	set, diags := backtestRules(cfg, *rulesPath)
	if set, err = rulesOrError(set, diags, sio.Stderr); err != nil {
		return err
	}

	st, path, err := openAlertStore(ctx, cfg)
	if errors.Is(err, os.ErrNotExist) {
		return exit(0, fmt.Errorf("nothing stored yet: no database at %s", path))
	}
	if err != nil {
		return err
	}
	defer st.Close()
	result, err := backtest(ctx, st, set, cfg.Feeds, from)
	if err != nil {
		return err
	}
	if *asJSON {
		err = writeBacktestJSON(sio.Stdout, result.groups)
	} else {
		err = writeBacktestText(sio.Stdout, result.groups, time.Local)
	}
	if err != nil {
		return err
	}
	stories := map[string]bool{}
	for _, g := range result.groups {
		stories[g.story] = true
	}
	fmt.Fprintf(sio.Stderr, "%d %s of %d %s in %d %s, among %d %s first seen since %s; nothing was sent\n",
		result.matches, plural(result.matches, "match", "matches"), len(set.Rules()), plural(len(set.Rules()), "rule", "rules"),
		len(stories), plural(len(stories), "story", "stories"),
		result.items, plural(result.items, "item", "items"), from.In(time.Local).Format("2006-01-02 15:04 MST"))
	return nil
}

// backtestRules loads the rules to try: path (a file or directory) when
// given, else the configured rules; both are checked against the
// configuration.
func backtestRules(cfg *config.Config, path string) (*rules.Set, tomlfile.Diagnostics) {
	if path == "" {
		return loadRules(cfg)
	}
	set, diags := rules.LoadPath(path)
	if set != nil {
		diags = append(diags, rules.Check(set, knownToRules(cfg))...)
	}
	diags.Sort()
	return set, diags
}

// backtestGroup is what one rule would have alerted of one story.
type backtestGroup struct {
	rule  string
	story string
	order int64         // orders stories of one time: the story ID (0 for an item's own)
	first time.Time     // when the story's first stored item was seen
	items []*store.Item // matched, first seen first
}

type backtestResult struct {
	groups  []backtestGroup
	matches int // items matched, counted once per rule
	items   int // items read
}

// backtest matches the items first seen at or after since against set,
// each as the daemon sees it (monitor.RulesItem, with its feed's
// configuration), and groups the matches by rule and story: the newest
// story first (by its first item seen since), then by rule name, each
// group's items first seen first.
func backtest(ctx context.Context, st *store.Store, set *rules.Set, feeds []config.Feed, since time.Time) (*backtestResult, error) {
	byName := make(map[string]monitor.Feed, len(feeds))
	for _, f := range feeds {
		byName[f.Name] = monitor.Feed{Name: f.Name, URL: f.URL, Tags: f.Tags, Lang: f.Lang}
	}
	type key struct{ rule, story string }
	groups := map[key]*backtestGroup{}
	firstSeen := map[string]time.Time{}
	res := &backtestResult{}
	err := st.EachItem(ctx, since, func(it *store.Item) error {
		res.items++
		story := storyKey(it)
		if t, ok := firstSeen[story]; !ok || it.SeenAt.Before(t) {
			firstSeen[story] = it.SeenAt
		}
		f, ok := byName[it.FeedName]
		if !ok {
			f = monitor.Feed{Name: it.FeedName} // no longer configured
		}
		for _, m := range set.Match(monitor.RulesItem(it, f)) {
			k := key{m.Rule.Name, story}
			g := groups[k]
			if g == nil {
				g = &backtestGroup{rule: m.Rule.Name, story: story, order: it.StoryID}
				groups[k] = g
			}
			g.items = append(g.items, it)
			res.matches++
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		g.first = firstSeen[g.story]
		slices.SortFunc(g.items, func(a, b *store.Item) int {
			return cmp.Or(a.SeenAt.Compare(b.SeenAt), cmp.Compare(a.ID, b.ID))
		})
		res.groups = append(res.groups, *g)
	}
	slices.SortFunc(res.groups, func(a, b backtestGroup) int {
		return cmp.Or(b.first.Compare(a.first), cmp.Compare(b.order, a.order),
			strings.Compare(b.story, a.story), strings.Compare(a.rule, b.rule))
	})
	return res, nil
}

// storyKey is the story identifier of it in backtest output: its story's
// ID, or "item-N" for an item stored before stories were kept.
func storyKey(it *store.Item) string {
	if it.StoryID != 0 {
		return strconv.FormatInt(it.StoryID, 10)
	}
	return "item-" + strconv.FormatInt(it.ID, 10)
}

// backtestJSON is one line of 'backtest -json' (config-and-cli.md).
type backtestJSON struct {
	Rule  string             `json:"rule"`
	Story string             `json:"story"`
	Items []backtestItemJSON `json:"items"`
}

type backtestItemJSON struct {
	Feed      string `json:"feed"`
	Title     string `json:"title"`
	Link      string `json:"link"`
	Published string `json:"published,omitempty"` // RFC 3339 UTC
}

func writeBacktestJSON(w io.Writer, groups []backtestGroup) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, g := range groups {
		line := backtestJSON{Rule: g.rule, Story: g.story, Items: make([]backtestItemJSON, len(g.items))}
		for i, it := range g.items {
			line.Items[i] = backtestItemJSON{Feed: it.FeedName, Title: it.Title, Link: it.Link}
			if !it.Published.IsZero() {
				line.Items[i].Published = it.Published.UTC().Format(time.RFC3339)
			}
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return nil
}

// writeBacktestText prints, per rule and story, a heading and one line per
// item: when it was published (else seen), its feed, its title, and its
// link under it. Feed text is cleaned of control characters.
func writeBacktestText(w io.Writer, groups []backtestGroup, loc *time.Location) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, g := range groups {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		feeds := map[string]bool{}
		for _, it := range g.items {
			feeds[it.FeedName] = true
		}
		fmt.Fprintf(tw, "%s · story %s · %d %s from %d %s\n", g.rule, g.story,
			len(g.items), plural(len(g.items), "item", "items"), len(feeds), plural(len(feeds), "feed", "feeds"))
		for _, it := range g.items {
			when := it.Published
			if when.IsZero() {
				when = it.SeenAt
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", when.In(loc).Format("2006-01-02 15:04"),
				clip(notify.CleanText(it.FeedName), 40), clip(notify.CleanText(it.Title), 120))
			if it.Link != "" {
				fmt.Fprintf(tw, "  \t\t%s\n", clip(notify.CleanText(it.Link), 200))
			}
		}
	}
	return tw.Flush()
}

// clip puts s on one line of at most n characters, marking a cut with "…".
func clip(s string, n int) string {
	r := []rune(oneLine(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
