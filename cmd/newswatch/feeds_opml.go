package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/language"

	"github.com/newswatch/newswatch/internal/config"
)

// OPML 2.0 (http://opml.org/spec2.opml) as feed readers use it for
// subscription lists: outlines of type "rss" with an xmlUrl, grouped in
// folder outlines. Readers also write OPML 1.0 and 1.1 files of the same
// shape, which are read the same way.

// opmlDoc is an OPML document.
type opmlDoc struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Head    opmlHead `xml:"head"`
	Body    opmlBody `xml:"body"`
}

type opmlHead struct {
	Title       string `xml:"title,omitempty"`
	DateCreated string `xml:"dateCreated,omitempty"`
	Docs        string `xml:"docs,omitempty"`
}

type opmlBody struct {
	Outlines []opmlOutline `xml:"outline"`
}

// opmlOutline is an outline: a subscription when it has an xmlUrl, a
// folder when it has children.
type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr,omitempty"`
	Type     string        `xml:"type,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	Language string        `xml:"language,attr,omitempty"`
	Category string        `xml:"category,attr,omitempty"`
	Outlines []opmlOutline `xml:"outline"`
}

// maxOPMLBytes bounds the OPML file read.
const maxOPMLBytes = 10 << 20

// opmlFeed is a subscription read from an OPML file.
type opmlFeed struct {
	Name string
	URL  string
	Tags []string
	Lang string
}

// readOPML reads the subscriptions of an OPML document, in document order.
// The folders a subscription sits in become its tags, and so do the
// entries of its category attribute (comma-separated; of a slash-delimited
// category, its last part).
func readOPML(r io.Reader) ([]opmlFeed, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxOPMLBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxOPMLBytes {
		return nil, fmt.Errorf("larger than %d MiB: not a subscription list", maxOPMLBytes>>20)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charset.NewReaderLabel
	var doc opmlDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not an OPML document: %w", err)
	}
	var feeds []opmlFeed
	var walk func(outlines []opmlOutline, folders []string)
	walk = func(outlines []opmlOutline, folders []string) {
		for _, o := range outlines {
			label := strings.TrimSpace(o.Text)
			if label == "" {
				label = strings.TrimSpace(o.Title)
			}
			if u := strings.TrimSpace(o.XMLURL); u != "" {
				f := opmlFeed{Name: cell(label, maxNameRunes), URL: u, Lang: opmlLang(o.Language)}
				for _, folder := range folders {
					f.Tags = appendTag(f.Tags, folder)
				}
				for _, c := range strings.Split(o.Category, ",") {
					parts := strings.Split(strings.Trim(strings.TrimSpace(c), "/"), "/")
					f.Tags = appendTag(f.Tags, parts[len(parts)-1])
				}
				feeds = append(feeds, f)
			}
			if len(o.Outlines) > 0 {
				walk(o.Outlines, append(folders[:len(folders):len(folders)], label))
			}
		}
	}
	walk(doc.Body.Outlines, nil)
	return feeds, nil
}

// tagChars are the characters a tag may not have (config: letters, digits,
// ".", "_", "-").
var tagChars = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// appendTag makes a tag of a folder or category name ("Middle East" is
// "middle-east") and appends it when it is new.
func appendTag(tags []string, name string) []string {
	t := strings.ToLower(strings.TrimSpace(name))
	t = strings.Trim(tagChars.ReplaceAllString(t, "-"), "-._")
	if t == "" || !unicode.IsLetter([]rune(t)[0]) && !unicode.IsDigit([]rune(t)[0]) {
		return tags
	}
	for _, have := range tags {
		if have == t {
			return tags
		}
	}
	return append(tags, t)
}

// opmlLang keeps the primary language of an OPML language attribute
// ("en-us" is "en"), or "" when it names no known language.
func opmlLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	if len(s) < 2 || len(s) > 3 || strings.IndexFunc(s, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
		return ""
	}
	// Keep only codes the configuration accepts: one unknown code would
	// make the whole import invalid.
	if tag, err := language.Parse(s); err != nil || tag == language.Und {
		return ""
	}
	return s
}

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
	fs := newFlagSet("feeds import", "feeds import FILE.opml [-dry-run] [-config FILE]", feedsImportDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	dryRun := fs.Bool("dry-run", false, "print the [[feed]] tables instead of writing them")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("want one OPML file ('-' reads standard input)")
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
	subs, err := readOPML(in)
	if err != nil {
		return fmt.Errorf("%s: %w", rest[0], err)
	}

	edit, err := openFeedsToEdit(*configPath, sio)
	if err != nil {
		return err
	}
	path, names, urls := edit.path, edit.names, edit.urls

	var blocks []string
	skipped := 0
	for _, s := range subs {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fmt.Fprintf(sio.Stderr, "skipped %q: %q is not an http(s) URL\n", s.Name, s.URL)
			skipped++
			continue
		}
		if other, dup := urls[s.URL]; dup {
			fmt.Fprintf(sio.Stderr, "skipped %q: %s is already configured, as %q\n", s.Name, s.URL, other)
			skipped++
			continue
		}
		if s.Name == "" {
			s.Name = u.Hostname()
		}
		base := s.Name
		for n := 2; ; n++ {
			if _, taken := names[s.Name]; !taken {
				break
			}
			s.Name = fmt.Sprintf("%s (%d)", base, n)
		}
		names[s.Name], urls[s.URL] = s.URL, s.Name
		blocks = append(blocks, newFeed{Name: s.Name, URL: s.URL, Tags: s.Tags, Lang: s.Lang}.block())
	}
	if len(blocks) == 0 {
		fmt.Fprintf(sio.Stdout, "nothing to import: %d %s skipped\n", skipped, plural(skipped, "feed", "feeds"))
		return nil
	}
	text := addedComment("Imported from "+cell(rest[0], 200), time.Now()) + strings.Join(blocks, "\n")
	if *dryRun {
		fmt.Fprint(sio.Stdout, text)
		return nil
	}
	if _, err := appendToConfig(path, text, sio.LookupEnv); err != nil {
		return err
	}
	fmt.Fprintf(sio.Stdout, "imported %d %s to %s", len(blocks), plural(len(blocks), "feed", "feeds"), path)
	if skipped > 0 {
		fmt.Fprintf(sio.Stdout, " (%d skipped)", skipped)
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
	fs := newFlagSet("feeds export", "feeds export [-o FILE] [-config FILE]", feedsExportDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	out := fs.String("o", "", "write to this file instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path := config.Resolve(*configPath, sio.Getenv, nil)
	cfg, err := loadForEdit(path, sio)
	if err != nil {
		return err
	}
	feeds, err := configuredFeeds(cfg, path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := writeOPML(&buf, feeds, time.Now()); err != nil {
		return err
	}
	if *out == "" {
		_, err = sio.Stdout.Write(buf.Bytes())
		return err
	}
	return os.WriteFile(*out, buf.Bytes(), 0o644)
}

// writeOPML writes feeds as an OPML 2.0 subscription list. Tags are the
// outlines' categories: OPML 2.0 reads a category without a slash as a
// tag.
func writeOPML(w io.Writer, feeds []config.Feed, now time.Time) error {
	doc := opmlDoc{
		Version: "2.0",
		Head: opmlHead{
			Title:       "newswatch feeds",
			DateCreated: now.UTC().Format(http.TimeFormat), // RFC 822, as OPML asks
			Docs:        "http://opml.org/spec2.opml",
		},
	}
	for _, f := range feeds {
		doc.Body.Outlines = append(doc.Body.Outlines, opmlOutline{
			Text: f.Name, Title: f.Name, Type: "rss", XMLURL: f.URL,
			Language: f.Lang, Category: strings.Join(f.Tags, ","),
		})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
