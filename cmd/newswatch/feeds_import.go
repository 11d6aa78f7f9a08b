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

func cmdFeedsImport(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("feeds import", "feeds import FILE.opml [-dry-run] [-config FILE]", help("feeds import"), sio.Stderr)
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
	fmt.Fprintln(sio.Stdout, "\na running newswatch polls them within seconds: it reloads the feeds when the file changes")
	return nil
}

func cmdFeedsExport(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("feeds export", "feeds export [-o FILE] [-config FILE]", help("feeds export"), sio.Stderr)
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
