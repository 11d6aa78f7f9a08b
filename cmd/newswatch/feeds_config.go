package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/tomlfile"
)

// newFeed is a [[feed]] to append to a configuration file.
type newFeed struct {
	Name        string
	URL         string
	Tags        []string
	Schedule    string
	ExpectEvery string
	Lang        string
}

// block renders f as a [[feed]] table.
func (f newFeed) block() string {
	var b strings.Builder
	b.WriteString("[[feed]]\n")
	fmt.Fprintf(&b, "name = %s\n", tomlString(f.Name))
	fmt.Fprintf(&b, "url  = %s\n", tomlString(f.URL))
	if len(f.Tags) > 0 {
		quoted := make([]string, len(f.Tags))
		for i, t := range f.Tags {
			quoted[i] = tomlString(t)
		}
		fmt.Fprintf(&b, "tags = [%s]\n", strings.Join(quoted, ", "))
	}
	if f.Schedule != "" {
		fmt.Fprintf(&b, "schedule = %s\n", tomlString(f.Schedule))
	}
	if f.ExpectEvery != "" {
		fmt.Fprintf(&b, "expect_every = %s\n", tomlString(f.ExpectEvery))
	}
	if f.Lang != "" {
		fmt.Fprintf(&b, "lang = %s\n", tomlString(f.Lang))
	}
	return b.String()
}

// tomlString quotes s as a TOML basic string (TOML 1.0, "String"), with
// "${" written "$${" so that the configuration's ${VAR} expansion gives s
// back unchanged.
func tomlString(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "${", "$${")
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// feedsToEdit is a configuration file that a command adds feeds to.
type feedsToEdit struct {
	path string
	// cfg is the loaded configuration, nil when the file does not load
	// here (see loadForEdit).
	cfg *config.Config
	// names maps the configured feeds' names to their URLs, urls their
	// URLs to their names.
	names, urls map[string]string
}

// openFeedsToEdit resolves the configuration file (-config configFlag) and
// reads its feeds to add to.
func openFeedsToEdit(configFlag string, sio *IO) (*feedsToEdit, error) {
	path := config.Resolve(configFlag, sio.Getenv, nil)
	cfg, err := loadForEdit(path, sio)
	if err != nil {
		return nil, err
	}
	feeds, err := configuredFeeds(cfg, path)
	if err != nil {
		return nil, err
	}
	e := &feedsToEdit{path: path, cfg: cfg, names: map[string]string{}, urls: map[string]string{}}
	for _, f := range feeds {
		e.names[f.Name], e.urls[f.URL] = f.URL, f.Name
	}
	return e, nil
}

// configuredFeeds returns the configured feeds, from the loaded
// configuration or, when cfg is nil (it does not load here), from the
// file's [[feed]] tables.
func configuredFeeds(cfg *config.Config, path string) ([]config.Feed, error) {
	if cfg != nil {
		return cfg.Feeds, nil
	}
	return rawFeeds(path)
}

// rawFeeds reads the [[feed]] tables of a configuration file as written,
// without validating the rest, so that feeds can be added to or exported
// from a file that does not load in this environment (a ${VAR} set only
// where the daemon runs). Only name, url, tags and lang are read.
func rawFeeds(path string) ([]config.Feed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Feed []struct {
			Name string   `toml:"name"`
			URL  string   `toml:"url"`
			Tags []string `toml:"tags"`
			Lang string   `toml:"lang"`
		} `toml:"feed"`
	}
	if err := toml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	feeds := make([]config.Feed, len(raw.Feed))
	for i, f := range raw.Feed {
		feeds[i] = config.Feed{Name: f.Name, URL: f.URL, Tags: f.Tags, Lang: f.Lang}
	}
	return feeds, nil
}

// errConfigChanged is returned when the configuration file changed while
// it was being edited.
var errConfigChanged = errors.New("the configuration file changed while it was being edited; nothing was written: try again")

// appendToConfig appends text to the configuration file at path, keeping
// every byte already there (comments, layout, order), and returns the
// configuration as it then loads.
//
// The file is written only if the result is valid, or, when the file was
// already invalid in this environment (say, a ${VAR} set only where the
// daemon runs), if the change adds no problem of its own. It is written
// atomically: a new file beside it, synced, with the old one's permissions
// (and owner, where that can be kept), renamed over it. A symbolic link is
// followed, so its target is what changes. The returned configuration is
// nil when the file loads only where the daemon runs.
func appendToConfig(path, text string, lookupEnv func(string) (string, bool)) (*config.Config, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(real)
	if err != nil {
		return nil, err
	}
	old, err := os.ReadFile(real)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(old) {
		return nil, fmt.Errorf("%s is not UTF-8 text", path)
	}
	var next bytes.Buffer
	next.Write(old)
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		next.WriteByte('\n')
	}
	if len(old) > 0 {
		next.WriteByte('\n')
	}
	next.WriteString(text)

	dir := filepath.Dir(real)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(real)+".newswatch-*")
	if err != nil {
		return nil, err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(next.Bytes()); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmpName, info.Mode().Perm()); err != nil {
		return nil, err
	}
	keepOwner(tmpName, info)

	cfg, err := config.LoadEnv(tmpName, lookupEnv)
	if err != nil {
		if err := newProblems(real, tmpName, err, lookupEnv); err != nil {
			return nil, err
		}
		cfg = nil
	}

	// Nobody else may have changed the file meanwhile: their change would
	// be lost.
	if now, err := os.ReadFile(real); err != nil || !bytes.Equal(now, old) {
		return nil, errConfigChanged
	}
	if err := os.Rename(tmpName, real); err != nil {
		return nil, err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable where the platform allows
		d.Close()
	}
	if cfg != nil {
		cfg.File = real
	}
	return cfg, nil
}

// newProblems compares the errors of the edited file (at edited, loading
// with err) with those of the file as it was (at orig), and returns the new
// ones, reported against orig, or nil when there are none.
func newProblems(orig, edited string, err error, lookupEnv func(string) (string, bool)) error {
	var after tomlfile.Diagnostics
	if !errors.As(err, &after) {
		return err
	}
	before := map[string]bool{}
	if _, berr := config.LoadEnv(orig, lookupEnv); berr != nil {
		var ds tomlfile.Diagnostics
		if errors.As(berr, &ds) {
			for _, d := range ds.Errors() {
				before[fmt.Sprintf("%d:%d:%s", d.Pos.Line, d.Pos.Col, d.Msg)] = true
			}
		}
	}
	var added tomlfile.Diagnostics
	for _, d := range after.Errors() {
		if before[fmt.Sprintf("%d:%d:%s", d.Pos.Line, d.Pos.Col, d.Msg)] {
			continue
		}
		d.Pos.File = orig
		added = append(added, d)
	}
	if len(added) == 0 {
		return nil
	}
	return fmt.Errorf("the configuration would not be valid with the new feeds; nothing was written:\n%w", added)
}

// addedComment is the comment above appended feeds.
func addedComment(what string, now time.Time) string {
	return fmt.Sprintf("# %s by `newswatch feeds` on %s.\n", what, now.Format("2006-01-02"))
}
