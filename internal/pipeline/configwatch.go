package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/newswatch/newswatch/internal/admin"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/monitor"
)

// configDebounce is how long the daemon waits after the last change of
// its configuration file before it reads it again: an editor's save is a
// burst of events (write a temporary file, rename it over the old one).
const configDebounce = 200 * time.Millisecond

// configWatcher reloads the daemon's configuration file when it changes
// (Run) or when asked to (reload, for SIGHUP), and puts its [[feed]] list in
// force through apply. The rest of the file takes effect at the next
// start: a reload names the sections changed since then. A file that does
// not load leaves the feeds in force as they were; its errors are logged
// once and shown on the status page until a good edit replaces them.
type configWatcher struct {
	file      string
	lookupEnv func(string) (string, bool)
	// apply puts the feeds of a loaded configuration in force.
	apply    func(context.Context, *config.Config) (monitor.FeedChanges, error)
	started  *config.Config // the configuration the daemon started with
	log      *slog.Logger
	debounce time.Duration // tests use 0
	watching func()        // if set, called by Run once it watches (tests)
	now      func() time.Time

	mu        sync.Mutex // serializes reloads and guards the fields below
	attempted [sha256.Size]byte
	inForce   [sha256.Size]byte // the file whose feeds are in force
	refused   error             // the errors of the attempted file, when it was refused
	status    admin.ConfigStatus
}

// newConfigWatcher returns a watcher of cfg's file, which the daemon
// started with.
func newConfigWatcher(cfg *config.Config, lookupEnv func(string) (string, bool), log *slog.Logger,
	apply func(context.Context, *config.Config) (monitor.FeedChanges, error)) *configWatcher {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	w := &configWatcher{file: cfg.File, lookupEnv: lookupEnv, apply: apply, started: cfg, log: log,
		debounce: configDebounce, now: time.Now}
	w.attempted = fingerprint(os.ReadFile(cfg.File))
	w.inForce = w.attempted
	w.status = admin.ConfigStatus{File: cfg.File}
	return w
}

// fingerprint identifies the contents of a file as read, or its error.
func fingerprint(data []byte, err error) [sha256.Size]byte {
	if err != nil {
		return sha256.Sum256([]byte("error\x00" + err.Error()))
	}
	return sha256.Sum256(data)
}

// Hash identifies the configuration file in force (as written, before
// ${ENV} expansion), so that replicas started from different files show.
func (w *configWatcher) Hash() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return hex.EncodeToString(w.inForce[:6])
}

// Status reports the state of the configuration file, for the status page.
func (w *configWatcher) Status() admin.ConfigStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// reload reads the configuration file and, when it differs from the last
// one read or force is set, puts its feeds in force. It returns the
// errors that kept it from doing so; they are logged here, once for a
// given content of the file.
func (w *configWatcher) reload(ctx context.Context, force bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	fp := fingerprint(os.ReadFile(w.file))
	if fp == w.attempted {
		if !force {
			return nil
		}
		if w.refused != nil {
			w.log.Error("configuration: reload failed: the file is unchanged since its errors were logged; the feeds in force stay as they were",
				"file", w.file, "first_error", firstLine(w.refused))
			return w.refused
		}
	}
	w.attempted = fp
	cfg, err := config.LoadEnv(w.file, w.lookupEnv)
	if err != nil {
		return w.refuse(err)
	}
	for _, d := range cfg.Warnings {
		w.log.Warn("configuration: warning", "pos", d.Pos.String(), "warning", d.Msg)
	}
	changes, err := w.apply(ctx, cfg)
	if err != nil {
		return w.refuse(err)
	}
	w.refused = nil
	w.inForce = fp
	restart := restartSections(w.started, cfg)
	w.status = admin.ConfigStatus{File: w.file, Restart: restart}
	attrs := []any{"file", w.file, "feeds", len(cfg.Feeds)}
	for _, c := range []struct {
		key   string
		names []string
	}{{"added", changes.Added}, {"changed", changes.Changed}, {"removed", changes.Removed}} {
		if len(c.names) > 0 {
			attrs = append(attrs, c.key, strings.Join(c.names, ","))
		}
	}
	if changes.Empty() {
		attrs = append(attrs, "changes", "none")
	}
	w.log.Info("configuration: feeds reloaded", attrs...)
	if len(restart) > 0 {
		w.log.Warn("configuration: changes outside [[feed]] take effect when newswatch restarts",
			"file", w.file, "sections", strings.Join(restart, " "))
	}
	return nil
}

// refuse records and logs err, the reason the file just read was not put
// in force; w.mu is held.
func (w *configWatcher) refuse(err error) error {
	w.refused = err
	var lines []string
	if ds, ok := errors.AsType[config.Diagnostics](err); ok {
		for _, d := range ds.Errors() {
			w.log.Error("configuration: error", "pos", d.Pos.String(), "error", d.Msg)
			lines = append(lines, d.String())
		}
	} else {
		w.log.Error("configuration: error", "file", w.file, "error", err)
		lines = []string{err.Error()}
	}
	w.log.Error("configuration: reload failed; the feeds in force stay as they were", "file", w.file, "errors", len(lines))
	w.status.Errors, w.status.RefusedAt = lines, w.now()
	return err
}

// firstLine is the first line of err's message.
func firstLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

// sectionNames name the fields of config.Config in messages, as the file
// writes them. Fields not named here are named by their lowercase Go name.
var sectionNames = map[string]string{
	"Notifiers": "[[notifier]]",
}

// restartSections names the parts of next that differ from started and
// that the daemon reads only when it starts: everything but [[feed]].
func restartSections(started, next *config.Config) []string {
	a, b := reflect.ValueOf(started).Elem(), reflect.ValueOf(next).Elem()
	var out []string
	for i := range a.NumField() {
		f := a.Type().Field(i)
		switch f.Name {
		case "File", "Feeds", "Warnings", "Doc":
			continue
		}
		if reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			continue
		}
		name, ok := sectionNames[f.Name]
		if !ok {
			name = "[" + strings.ToLower(f.Name) + "]"
		}
		out = append(out, name)
	}
	return out
}

// Run watches the directory of the configuration file and reloads the file
// a moment after each change, until ctx is done; then it returns nil. It
// returns an error only when the directory cannot be watched.
func (w *configWatcher) Run(ctx context.Context) error {
	dir, base := filepath.Dir(w.file), filepath.Base(w.file)
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("configuration: watch %s: %w", dir, err)
	}
	defer fsw.Close()
	if err := fsw.Add(dir); err != nil {
		return fmt.Errorf("configuration: watch %s: %w", dir, err)
	}
	_ = w.reload(ctx, false) // an edit made since the daemon read the file
	if w.watching != nil {
		w.watching()
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var due <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-fsw.Events:
			if !ok {
				return errors.New("configuration: file watcher closed")
			}
			name := filepath.Base(ev.Name)
			// Kubernetes updates a mounted ConfigMap by swapping a "..data"
			// symbolic link. Attribute changes alone are no edit.
			if (name != base && !strings.HasPrefix(name, "..")) || ev.Op == fsnotify.Chmod {
				continue
			}
			timer.Reset(w.debounce)
			due = timer.C
		case err, ok := <-fsw.Errors:
			if !ok {
				return errors.New("configuration: file watcher closed")
			}
			w.log.Warn("configuration: watching the configuration file", "dir", dir, "error", err)
			timer.Reset(w.debounce)
			due = timer.C
		case <-due:
			due = nil
			_ = w.reload(ctx, false)
		}
	}
}
