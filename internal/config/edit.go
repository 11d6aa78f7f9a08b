package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	toml "github.com/pelletier/go-toml/v2"
)

// FeedTable is a [[feed]] table to append to a configuration file, its
// values as they are to be written.
type FeedTable struct {
	Name        string
	URL         string
	Tags        []string
	Schedule    string
	ExpectEvery string
	Lang        string
}

// TOML renders f as a [[feed]] table.
func (f FeedTable) TOML() string {
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

// FileEdit is a configuration file opened to append feeds to it.
type FileEdit struct {
	// Path is the file's path, as given to Edit.
	Path string
	// Config is the configuration the file holds; nil when it does not
	// load in this environment only because of its values (say, a ${VAR}
	// set only where the daemon runs). Problems then says why.
	Config *Config
	// Problems are the errors of a file that does not load here. Such a
	// file can still be edited: an edit is checked to add no problem of
	// its own.
	Problems Diagnostics
	// lookupEnv expands ${VAR}, as when the file was opened.
	lookupEnv func(string) (string, bool)
}

// Edit opens the configuration file at path to append feeds to it,
// expanding ${VAR} with lookupEnv (nil means os.LookupEnv). A missing or
// unreadable file is an error; a file with problems is not (see
// FileEdit.Problems).
func Edit(path string, lookupEnv func(string) (string, bool)) (*FileEdit, error) {
	e := &FileEdit{Path: path, lookupEnv: lookupEnv}
	cfg, err := LoadEnv(path, lookupEnv)
	if err == nil {
		e.Config = cfg
		return e, nil
	}
	if !errors.As(err, &e.Problems) {
		return nil, err
	}
	e.Problems = e.Problems.Errors()
	return e, nil
}

// Feeds returns the configured feeds: Config's, or, when the file does not
// load here, its [[feed]] tables as written (only name, url, tags and
// lang), which is an error when the file is not even TOML.
func (e *FileEdit) Feeds() ([]Feed, error) {
	if e.Config != nil {
		return e.Config.Feeds, nil
	}
	return rawFeeds(e.Path)
}

// rawFeeds reads the [[feed]] tables of a configuration file as written,
// without validating the rest, so that feeds can be added to or exported
// from a file that does not load in this environment. Only name, url, tags
// and lang are read.
func rawFeeds(path string) ([]Feed, error) {
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
	feeds := make([]Feed, len(raw.Feed))
	for i, f := range raw.Feed {
		feeds[i] = Feed{Name: f.Name, URL: f.URL, Tags: f.Tags, Lang: f.Lang}
	}
	return feeds, nil
}

// ErrChanged is returned when the configuration file changed while it was
// being edited.
var ErrChanged = errors.New("the configuration file changed while it was being edited; nothing was written: try again")

// Append appends text to the configuration file, keeping every byte
// already there (comments, layout, order), and returns the configuration
// as it then loads.
//
// The file is written only if the result is valid, or, when the file did
// not load in this environment, if the change adds no problem of its own.
// It is written atomically: a new file beside it, synced, with the old
// one's permissions (and owner, where that can be kept), renamed over it.
// A symbolic link is followed, so its target is what changes. The returned
// configuration is nil when the file loads only where the daemon runs.
func (e *FileEdit) Append(text string) (*Config, error) {
	real, err := filepath.EvalSymlinks(e.Path)
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
		return nil, fmt.Errorf("%s is not UTF-8 text", e.Path)
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

	cfg, err := LoadEnv(tmpName, e.lookupEnv)
	if err != nil {
		if err := newProblems(real, tmpName, err, e.lookupEnv); err != nil {
			return nil, err
		}
		cfg = nil
	}

	// Nobody else may have changed the file meanwhile: their change would
	// be lost.
	if now, err := os.ReadFile(real); err != nil || !bytes.Equal(now, old) {
		return nil, ErrChanged
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
	var after Diagnostics
	if !errors.As(err, &after) {
		return err
	}
	before := map[string]bool{}
	if _, berr := LoadEnv(orig, lookupEnv); berr != nil {
		var ds Diagnostics
		if errors.As(berr, &ds) {
			for _, d := range ds.Errors() {
				before[fmt.Sprintf("%d:%d:%s", d.Pos.Line, d.Pos.Col, d.Msg)] = true
			}
		}
	}
	var added Diagnostics
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
