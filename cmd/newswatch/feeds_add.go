package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/internal/redact"
	"github.com/newswatch/newswatch/internal/subscription"
)

func cmdFeedsAdd(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("feeds add", "feeds add URL [-name NAME] [-tags a,b] [-schedule S] [-expect-every D] [-lang L] [-dry-run] [-config FILE]", help("feeds add"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	feedName := fs.String("name", "", "the feed's name (default: a short name of its site, from the page or the feed's title)")
	tags := fs.String("tags", "", "comma-separated tags, e.g. mideast,arabic")
	schedule := fs.String("schedule", "", "poll schedule, if not daemon.schedule (e.g. \"*/10 * * * *\")")
	expectEvery := fs.String("expect-every", "", "how often the feed should publish, for feed-health alerts (e.g. 6h)")
	lang := fs.String("lang", "", "the feed's language (ISO 639, e.g. ar)")
	dryRun := fs.Bool("dry-run", false, "print the [[feed]] table instead of writing it")
	rest, err := cli.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return cli.UsageError("want one URL: a feed, or a web page that links to its feed")
	}
	if *schedule != "" {
		if _, err := config.ParseSchedule(*schedule); err != nil {
			return cli.UsageError("-schedule: " + err.Error())
		}
	}
	if *expectEvery != "" {
		if d, err := config.ParseDuration(*expectEvery); err != nil || d <= 0 {
			return cli.UsageError(fmt.Sprintf("-expect-every %q: want a positive duration such as 6h or 1d", *expectEvery))
		}
	}
	target, err := url.Parse(rest[0])
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return cli.UsageError(fmt.Sprintf("%q is not an http or https URL", redact.URL(rest[0])))
	}

	edit, feeds, err := editConfig(*configPath, sio)
	if err != nil {
		return err
	}
	ver, _ := buildVersion()
	found, err := subscription.Find(ctx, pipeline.Fetcher(edit.Config, ver), target.String())
	if err != nil {
		return err
	}
	if found.Page != "" {
		fmt.Fprintf(sio.Stderr, "found the feed %s on %s\n", redact.URL(found.URL), redact.URL(found.Page))
		for _, o := range found.Others {
			fmt.Fprintf(sio.Stderr, "  the page also links to %s%s\n", redact.URL(o.URL), format.Titled(o.Title))
		}
	}
	f := config.FeedTable{Name: *feedName, URL: found.URL, Tags: splitList(*tags), Schedule: *schedule, ExpectEvery: *expectEvery, Lang: *lang}
	if f.Name == "" {
		f.Name = found.Name()
	}
	if f.Name == "" {
		f.Name = target.Hostname()
	}
	for _, c := range slices.Backward(feeds) { // the last one, when feeds share a URL
		if c.URL == f.URL {
			return fmt.Errorf("%s is already configured, as the feed %q", redact.URL(f.URL), c.Name)
		}
	}
	if slices.ContainsFunc(feeds, func(c config.Feed) bool { return c.Name == f.Name }) {
		return fmt.Errorf("a feed named %q is already configured; give this one another name with -name", f.Name)
	}

	from := "Added"
	if found.Page != "" {
		from += " (found on " + found.Page + ")"
	}
	text := addedComment(from, time.Now()) + f.TOML()
	if *dryRun {
		fmt.Fprint(sio.Stdout, text)
		return nil
	}
	if _, err := edit.Append(text); err != nil {
		return err
	}
	n := len(found.Feed.Items)
	fmt.Fprintf(sio.Stdout, "added the feed %q (%s, %d %s now) to %s\n", f.Name, redact.URL(f.URL), n, cli.Plural(n, "item", "items"), edit.Path)
	fmt.Fprintln(sio.Stdout, "a running newswatch polls it within seconds: it reloads the feeds when the file changes")
	return nil
}

// editConfig opens the configuration file (-config configFlag) to add
// feeds to, and returns its feeds. A file that does not load here only
// because of its values can still be edited, after a note.
func editConfig(configFlag string, sio *IO) (*config.FileEdit, []config.Feed, error) {
	path, err := config.Locate(configFlag, sio.Getenv, nil)
	if err != nil {
		return nil, nil, cli.Unnamed(err)
	}
	edit, err := config.Edit(path, sio.LookupEnv)
	if err != nil {
		return nil, nil, err
	}
	if edit.Config == nil {
		fmt.Fprintf(sio.Stderr, "note: %s does not load here (%d problems, e.g. %s); the change is checked to add none\n",
			edit.Path, len(edit.Problems), edit.Problems[0].String())
	}
	feeds, err := edit.Feeds()
	if err != nil {
		return nil, nil, err
	}
	return edit, feeds, nil
}

// addedComment is the comment above appended feeds.
func addedComment(what string, now time.Time) string {
	return fmt.Sprintf("# %s by `newswatch feeds` on %s.\n", what, now.Format("2006-01-02"))
}
