package config

import (
	"errors"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// tagPattern is the form of a feed tag: a word that rules can select with
// "tag:NAME" without quoting trouble.
var tagPattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._-]*$`)

// feeds checks every [[feed]]; schedule is the daemon's default schedule
// and article fetch.article.
func (b *builder) feeds(raws []rawFeed, schedule, article string) []Feed {
	if len(raws) == 0 {
		b.warnf(nil, "no [[feed]] is configured, so there is nothing to poll")
		return nil
	}
	feeds := make([]Feed, 0, len(raws))
	names := map[string]int{} // name → index of the feed that has it
	urls := map[string]int{}  // URL → index of the first feed that has it
	enabled := 0
	for i := range raws {
		r := &raws[i]
		p := func(key string) []any { return []any{"feed", i, key} }
		f := Feed{Schedule: schedule, Enabled: true, Article: article}

		if s, ok := b.requiredStr(r.Name, "every [[feed]] needs a unique name", p("name")...); ok {
			if j, dup := names[s]; dup {
				b.errorf(p("name"), "feed name %q is already used by the feed on line %d; names must be unique", s, b.lineOf("feed", j, "name"))
			} else {
				names[s] = i
			}
			f.Name = s
		}
		if s, ok := b.requiredStr(r.URL, "every [[feed]] needs an http, https or file URL", p("url")...); ok {
			if u, ok := b.feedURL(s, p("url")); ok {
				f.URL = u
				if j, dup := urls[u]; dup {
					b.warnf(p("url"), "the feed on line %d has the same URL, so it is fetched twice", b.lineOf("feed", j, "url"))
				} else {
					urls[u] = i
				}
			}
		}
		if tags, ok := b.strs(r.Tags, b.tagChecker(), p("tags")...); ok {
			f.Tags = unique(tags)
		}
		if s, ok := b.schedule(r.Schedule, p("schedule")...); ok {
			f.Schedule = s
		}
		if v, ok := b.boolean(r.Enabled, p("enabled")...); ok {
			f.Enabled = v
		}
		if s, ok := b.str(r.Lang, p("lang")...); ok && s != "" {
			f.Lang = b.lang(s, p("lang"))
		}
		if v, ok := b.positiveDuration(r.ExpectEvery, p("expect_every")...); ok {
			f.ExpectEvery = v
		}
		if s, ok := b.oneOf(r.Article, articleModes, p("article")...); ok {
			f.Article = s
		}
		if f.Enabled {
			enabled++
		}
		feeds = append(feeds, f)
	}
	if enabled == 0 {
		b.warnf([]any{"feed", 0}, "every feed is disabled (enabled = false), so there is nothing to poll")
	}
	return feeds
}

// feedURL checks s, the feed URL at path, and returns it with a relative
// file URL made absolute.
func (b *builder) feedURL(s string, path []any) (string, bool) {
	// Errors do not repeat the URL: their position shows it, and it may
	// hold a password from ${…}, which must not reach a log or the status
	// page when a reload fails.
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		b.errorf(path, `"url" is not a valid URL: %v`, err)
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			b.errorf(path, `"url" has no host`)
			return "", false
		}
		return s, true
	case "file":
		return b.fileURL(u, s, path)
	case "":
		b.errorf(path, `"url" must start with http://, https:// or file:`)
	default:
		b.errorf(path, `"url" has the scheme %q; want http, https or file`, u.Scheme)
	}
	return "", false
}

// fileURL returns the absolute file URL of u, which may name a path
// relative to the config file's directory (file:feeds/x.xml).
func (b *builder) fileURL(u *url.URL, s string, path []any) (string, bool) {
	const forms = `write file:///absolute/path.xml, or file:relative/path.xml for a file beside the config file`
	p := u.Path
	if u.Opaque != "" {
		var err error
		if p, err = url.PathUnescape(u.Opaque); err != nil {
			b.errorf(path, `"url" %q is not a valid file URL: %v`, s, err)
			return "", false
		}
	}
	if (u.Host != "" && u.Host != "localhost") || p == "" || u.RawQuery != "" || u.Fragment != "" {
		b.errorf(path, `"url" %q is not a file URL newswatch can read: %s`, s, forms)
		return "", false
	}
	return (&url.URL{Scheme: "file", Path: b.resolvePath(filepath.FromSlash(p))}).String(), true
}

// tagChecker returns a check of the tags of one feed, for strs. A tag
// listed twice draws a warning; the caller drops the second.
func (b *builder) tagChecker() func(string, []any) bool {
	seen := map[string]bool{}
	return func(t string, path []any) bool {
		switch {
		case !tagPattern.MatchString(t):
			b.errorf(path, `tag %q must be one word of letters, digits, ".", "_" or "-" (rules select feeds with "tag:NAME")`, t)
			return false
		case seen[t]:
			b.warnf(path, "tag %q is listed twice", t)
		}
		seen[t] = true
		return true
	}
}

// lang checks the language at path and returns its canonical ISO 639 code.
func (b *builder) lang(s string, path []any) string {
	const want = `an ISO 639 language code such as "en", "ar" or "he"`
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		b.errorf(path, `"lang" must be %s, without region or script: %q, not %q`, want, s[:i], s)
		return ""
	}
	if base, ok := b.langs[s]; ok {
		return base // most feeds of a file share a few codes
	}
	// Parse rather than ParseBase: it also replaces deprecated codes
	// ("iw" → "he") and reads three-letter ones ("heb" → "he").
	tag, err := language.Parse(s)
	if err != nil || tag == language.Und {
		b.errorf(path, `"lang" must be %s; %q is not one`, want, s)
		return ""
	}
	base, _ := tag.Base()
	if b.langs == nil {
		b.langs = map[string]string{}
	}
	b.langs[s] = base.String()
	return b.langs[s]
}

// unique returns ss without its repeated elements, in order.
func unique(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
