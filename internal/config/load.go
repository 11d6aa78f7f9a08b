package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Load reads the configuration file at path, replacing ${VAR} references
// with variables of the process environment. See LoadEnv.
func Load(path string) (*Config, error) {
	return LoadEnv(path, os.LookupEnv)
}

// LoadEnv reads the configuration file at path, replacing every ${VAR}
// reference in its string values with the value lookupEnv gives (the
// signature of os.LookupEnv, so that tests can pass a map's lookup; nil
// means os.LookupEnv). It applies defaults, resolves relative paths against the file's
// directory and checks every value.
//
// When the file was read but is not valid, the error is a
// Diagnostics holding every error and every warning found, sorted
// by position, so that `newswatch check` can print them all at once. When
// it could not be read, the error wraps the fs error (fs.ErrNotExist, …).
// On success the warnings are in Config.Warnings.
func LoadEnv(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, ds := parse(path, filepath.Dir(abs), data, lookupEnv)
	if ds.HasErrors() {
		return nil, ds
	}
	cfg.File = abs
	cfg.Warnings = ds
	return cfg, nil
}

// parse builds the configuration in data, read from the file named name
// in directory dir. The diagnostics are sorted; cfg is only meaningful
// when they hold no error.
func parse(name, dir string, data []byte, lookupEnv func(string) (string, bool)) (*Config, Diagnostics) {
	var raw rawConfig
	doc, err := Decode(name, data, &raw)
	var ds Diagnostics
	if err != nil {
		if !errors.As(err, &ds) {
			ds = Diagnostics{{Pos: doc.Pos(), Msg: err.Error()}}
		}
		// Unknown keys don't make the rest of the file unreadable: when
		// they are the only problem, raw holds every other value; check
		// those too, so that one run reports everything.
		if _, ok := errors.AsType[*UnknownKeys](err); !ok {
			return nil, ds
		}
	}
	b := &builder{doc: doc, lookupEnv: lookupEnv, dir: dir, diags: ds}
	cfg := b.build(&raw)
	cfg.Doc = doc
	b.diags.Sort()
	return cfg, b.diags
}

// builder turns the raw values of one document into a Config, collecting
// a diagnostic for every value that is wrong and carrying on with the
// default in its place.
type builder struct {
	doc       *Doc
	lookupEnv func(string) (string, bool)
	dir       string // directory that relative paths are resolved against
	diags     Diagnostics

	// implicitConsole is set when the file has no [[notifier]] and the
	// built-in console notifier was added.
	implicitConsole bool

	// langs are the feeds' valid language codes read so far, each with
	// its base (lang).
	langs map[string]string
}

// build checks every table of raw.
func (b *builder) build(raw *rawConfig) *Config {
	cfg := &Config{
		Daemon: b.daemon(&raw.Daemon),
		Log:    b.log(&raw.Log),
		Fetch:  b.fetch(&raw.Fetch),
		Rules:  b.rules(&raw.Rules),
		Store:  b.store(&raw.Store),
	}
	cfg.Feeds = b.feeds(raw.Feeds, cfg.Daemon.Schedule, cfg.Fetch.Article)
	cfg.Notifiers = b.notifiers(raw.Notifiers)
	cfg.Notify = b.notify(raw.Notify, cfg.Notifiers)
	cfg.Health = b.health(&raw.Health, cfg.Notifiers, cfg.Notify.Default)
	cfg.Stories = b.stories(&raw.Stories, cfg.Store.Retention)
	return cfg
}

// errorf records an error at the value at path.
func (b *builder) errorf(path []any, format string, args ...any) {
	b.diags = append(b.diags, b.doc.Errorf(path, format, args...))
}

// warnf records a warning at the value at path.
func (b *builder) warnf(path []any, format string, args ...any) {
	b.diags = append(b.diags, b.doc.Warnf(path, format, args...))
}

// errorAt records an error at pos, a position that b.doc gave.
func (b *builder) errorAt(pos Pos, format string, args ...any) {
	b.diags = append(b.diags, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// resolvePath makes a relative path absolute against the directory of the
// config file.
func (b *builder) resolvePath(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(b.dir, p)
}
