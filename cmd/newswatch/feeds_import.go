package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/subscription"
)

const feedsImportDescription = `
Appends the subscriptions of an OPML file (the subscription list feed
readers export: Feedly, Inoreader, NetNewsWire, Thunderbird, …) to the
configuration file as [[feed]] tables, keeping the file's comments and
layout. The folders a feed is in, and its categories, become its tags
("Middle East" is middle-east). A feed whose URL is configured already, or
that is not an http(s) URL, is skipped; a name already taken gets a
number. The file is written only if the configuration stays valid, and
atomically. Restart the daemon to poll the new feeds.
`

func cmdFeedsImport(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("feeds import", "feeds import FILE.opml [-dry-run] [-config FILE]", feedsImportDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	dryRun := fs.Bool("dry-run", false, "print the [[feed]] tables instead of writing them")
	rest, err := cli.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return cli.UsageError("want one OPML file ('-' reads standard input)")
	}
	in := sio.Stdin
	if rest[0] != "-" {
		f, err := os.Open(rest[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	subs, err := subscription.ReadOPML(in)
	if err != nil {
		return fmt.Errorf("%s: %w", rest[0], err)
	}
	edit, feeds, err := editConfig(*configPath, sio)
	if err != nil {
		return err
	}

	add, skipped := subscription.Import(subs, feeds)
	for _, s := range skipped {
		fmt.Fprintf(sio.Stderr, "skipped %q: %s\n", s.Name, s.Reason)
	}
	if len(add) == 0 {
		fmt.Fprintf(sio.Stdout, "nothing to import: %d %s skipped\n", len(skipped), cli.Plural(len(skipped), "feed", "feeds"))
		return nil
	}
	blocks := make([]string, len(add))
	for i, f := range add {
		blocks[i] = f.TOML()
	}
	text := addedComment("Imported from "+cli.Cell(rest[0], 200), time.Now()) + strings.Join(blocks, "\n")
	if *dryRun {
		fmt.Fprint(sio.Stdout, text)
		return nil
	}
	if _, err := edit.Append(text); err != nil {
		return err
	}
	fmt.Fprintf(sio.Stdout, "imported %d %s to %s", len(add), cli.Plural(len(add), "feed", "feeds"), edit.Path)
	if len(skipped) > 0 {
		fmt.Fprintf(sio.Stdout, " (%d skipped)", len(skipped))
	}
	fmt.Fprintln(sio.Stdout, "\nrestart newswatch to start polling them")
	return nil
}

const feedsExportDescription = `
Writes the configured feeds, disabled ones included, as an OPML 2.0
subscription list that feed readers import: one outline per feed, with its
name, URL and language, and its tags as categories.
`

func cmdFeedsExport(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("feeds export", "feeds export [-o FILE] [-config FILE]", feedsExportDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	out := fs.String("o", "", "write to this file instead of standard output")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	_, feeds, err := editConfig(*configPath, sio)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := subscription.WriteOPML(&buf, feeds, time.Now()); err != nil {
		return err
	}
	if *out == "" {
		_, err = sio.Stdout.Write(buf.Bytes())
		return err
	}
	return os.WriteFile(*out, buf.Bytes(), 0o644)
}
