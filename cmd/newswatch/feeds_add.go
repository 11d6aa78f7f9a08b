package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/tomlfile"
	"github.com/newswatch/newswatch/notify"
)

const feedsAddDescription = `
Appends a [[feed]] to the configuration file. URL may be the feed itself or
a web page that announces its feed with <link rel="alternate"
type="application/rss+xml"> (or Atom, or JSON Feed): the page's first feed
is taken, and the others are listed. The feed is fetched and parsed first;
its title is the name unless -name is given.

The file keeps its comments and layout: the new table is appended at its
end. It is written only if the configuration stays valid, and atomically.
Restart the daemon to start polling the feed.
`

// maxNameRunes bounds a feed name taken from a feed's title.
const maxNameRunes = 80

func cmdFeedsAdd(ctx context.Context, args []string, sio *IO) error {
	fs := newFlagSet("feeds add", "feeds add URL [-name NAME] [-tags a,b] [-schedule S] [-expect-every D] [-lang L] [-dry-run] [-config FILE]", feedsAddDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	feedName := fs.String("name", "", "the feed's name (default: its title)")
	tags := fs.String("tags", "", "comma-separated tags, e.g. mideast,arabic")
	schedule := fs.String("schedule", "", "poll schedule, if not daemon.schedule (e.g. \"*/10 * * * *\")")
	expectEvery := fs.String("expect-every", "", "how often the feed should publish, for feed-health alerts (e.g. 6h)")
	lang := fs.String("lang", "", "the feed's language (ISO 639, e.g. ar)")
	dryRun := fs.Bool("dry-run", false, "print the [[feed]] table instead of writing it")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("want one URL: a feed, or a web page that links to its feed")
	}
	if *schedule != "" {
		if _, err := config.ParseSchedule(*schedule); err != nil {
			return usageError("-schedule: " + err.Error())
		}
	}
	if *expectEvery != "" {
		if d, err := config.ParseDuration(*expectEvery); err != nil || d <= 0 {
			return usageError(fmt.Sprintf("-expect-every %q: want a positive duration such as 6h or 1d", *expectEvery))
		}
	}
	target, err := url.Parse(rest[0])
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return usageError(fmt.Sprintf("%q is not an http or https URL", rest[0]))
	}

	edit, err := openFeedsToEdit(*configPath, sio)
	if err != nil {
		return err
	}
	cfg, path, names, urls := edit.cfg, edit.path, edit.names, edit.urls

	found, err := findFeed(ctx, fetcherFor(cfg), target.String())
	if err != nil {
		return err
	}
	if found.Page != "" {
		fmt.Fprintf(sio.Stderr, "found the feed %s on %s\n", found.URL, found.Page)
		for _, o := range found.Others {
			fmt.Fprintf(sio.Stderr, "  the page also links to %s%s\n", o.URL, titled(o.Title))
		}
	}
	f := newFeed{Name: *feedName, URL: found.URL, Tags: splitList(*tags), Schedule: *schedule, ExpectEvery: *expectEvery, Lang: *lang}
	if f.Name == "" {
		f.Name = cell(found.Feed.Title, maxNameRunes)
	}
	if f.Name == "" {
		f.Name = target.Hostname()
	}
	if other, dup := urls[f.URL]; dup {
		return fmt.Errorf("%s is already configured, as the feed %q", f.URL, other)
	}
	if _, dup := names[f.Name]; dup {
		return fmt.Errorf("a feed named %q is already configured; give this one another name with -name", f.Name)
	}

	from := "Added"
	if found.Page != "" {
		from += " (found on " + found.Page + ")"
	}
	text := addedComment(from, time.Now()) + f.block()
	if *dryRun {
		fmt.Fprint(sio.Stdout, text)
		return nil
	}
	if _, err := appendToConfig(path, text, sio.LookupEnv); err != nil {
		return err
	}
	n := len(found.Feed.Items)
	fmt.Fprintf(sio.Stdout, "added the feed %q (%s, %d %s now) to %s\n", f.Name, f.URL, n, plural(n, "item", "items"), path)
	fmt.Fprintln(sio.Stdout, "restart newswatch to start polling it")
	return nil
}

// loadForEdit loads the configuration at path to edit it. A file that does
// not load in this environment only because of its values (say, a ${VAR}
// set only where the daemon runs) can still be edited: it returns nil and
// no error then, after a note; edits are checked to add no problem of
// their own. A missing or unreadable file is an error.
func loadForEdit(path string, sio *IO) (*config.Config, error) {
	cfg, err := config.LoadEnv(path, sio.LookupEnv)
	if err == nil {
		return cfg, nil
	}
	var ds tomlfile.Diagnostics
	if !errors.As(err, &ds) {
		return nil, err
	}
	fmt.Fprintf(sio.Stderr, "note: %s does not load here (%d problems, e.g. %s); the change is checked to add none\n",
		path, len(ds.Errors()), ds.Errors()[0].String())
	return nil, nil
}

// titled renders a link title for a message: ` ("Comments")`, or "".
func titled(t string) string {
	if t = notify.CleanText(t); t != "" {
		return " (\"" + t + "\")"
	}
	return ""
}
