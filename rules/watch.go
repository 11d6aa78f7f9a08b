package rules

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/newswatch/newswatch/internal/config"
)

// defaultDebounce is how long a Watcher waits after the last change in the
// rules directory before it reloads: an editor's save is a burst of events
// (write a temporary file, rename it, remove a backup) that must be read as
// one edit.
const defaultDebounce = 200 * time.Millisecond

// Watcher keeps the rules of a directory in force while they are edited. It
// reloads them when a rule file changes (Run) or when asked to (Reload, for
// SIGHUP). A reload that fails leaves the rules in force as they were and
// logs every error with its position; the next good edit takes effect.
//
// The pipeline takes Current once per poll, so an item is always matched
// against one whole rule set, never a mix of an old and a new one.
type Watcher struct {
	path     string // what was loaded: a directory or one file
	watchDir string // the directory Run watches
	file     string // when path is a file, its base name; else ""
	log      *slog.Logger
	debounce time.Duration // set before Run; tests use 0
	watching func()        // if set, called by Run once it watches (tests)

	current atomic.Pointer[Set]
	known   atomic.Pointer[Known]

	mu        sync.Mutex // serializes reloads and guards the fields below
	attempted [sha256.Size]byte
	refused   config.Diagnostics // the errors of the attempted files, when refused
	hooks     []func(*Set, error)
	fsw       *fsnotify.Watcher // while Run runs
	lost      bool              // the watched directory was removed or renamed
}

// NewWatcher loads the rules at path (a directory of rule files, or one rule
// file) and returns a Watcher holding them. When they have errors it
// returns them, as config.Diagnostics, and no Watcher; otherwise it logs
// their warnings.
// A nil log discards the log.
func NewWatcher(path string, log *slog.Logger) (*Watcher, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Watcher{path: path, watchDir: path, log: log, debounce: defaultDebounce}
	if info, err := os.Stat(path); err == nil && !info.IsDir() {
		w.watchDir, w.file = filepath.Dir(path), filepath.Base(path)
	}
	src := readPath(path)
	set, diags := compileSource(src)
	if diags.HasErrors() {
		return nil, diags.Errors() // the caller reports them
	}
	w.logDiagnostics(diags)
	w.attempted = src.fingerprint
	w.current.Store(set)
	return w, nil
}

// Current returns the rules in force. It is never nil and safe for
// concurrent use; callers take it once per unit of work (a feed poll) so
// that a reload never splits one.
func (w *Watcher) Current() *Set {
	return w.current.Load()
}

// OnReload registers fn to be called after every reload that read changed
// files, and after every Reload: with the new set and a nil error when it
// took effect, or with the set still in force and the errors (as
// config.Diagnostics) when it did not. Reloads call fn one at a time, in
// order; fn must not call Reload.
func (w *Watcher) OnReload(fn func(*Set, error)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hooks = append(w.hooks, fn)
}

// SetKnown makes every later reload check its rules against the feeds, tags
// and notifiers of the configuration (see Check): a reload with errors, such
// as a rule naming a notifier that does not exist, is refused like a syntax
// error. It returns what Check finds in the rules in force now, so that a
// daemon can refuse to start on them.
func (w *Watcher) SetKnown(k Known) config.Diagnostics {
	w.known.Store(&k)
	w.mu.Lock()
	w.attempted = [sha256.Size]byte{} // the same files may now check differently
	w.mu.Unlock()
	return Check(w.Current(), k)
}

// Reload reads the rule files again and puts them in force if they have no
// errors. It returns the errors (config.Diagnostics) otherwise, after
// logging each with its position; the rules in force stay as they were.
func (w *Watcher) Reload() error {
	return w.reload(true)
}

// reload reads the rules and, when they differ from the last ones read or
// force is set, tries to put them in force.
func (w *Watcher) reload(force bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lost && w.fsw != nil {
		// The directory was removed or renamed, which ends its watch; take
		// it up again if it is back.
		if err := w.fsw.Add(w.watchDir); err == nil {
			w.lost = false
			w.log.Info("rules: watching the rules directory again", "dir", w.watchDir)
		}
	}
	src := readPath(w.path)
	if src.fingerprint == w.attempted {
		if !force {
			return nil
		}
		if errs := w.refused; len(errs) > 0 {
			// Asked again (SIGHUP) to load the very files refused last
			// time: their errors were logged then.
			old := w.current.Load()
			w.log.Error("rules: reload failed: the rule files are unchanged since their errors were logged; the rules in force stay as they were",
				"path", w.path, "errors", len(errs), "first_error", errs[0].String(), "rules", len(old.Rules()))
			w.notify(old, errs)
			return errs
		}
	}
	w.attempted = src.fingerprint
	set, diags := compileSource(src)
	if k := w.known.Load(); k != nil {
		diags = append(diags, Check(set, *k)...)
		diags.Sort()
	}
	w.logDiagnostics(diags)
	if errs := diags.Errors(); len(errs) > 0 {
		w.refused = errs
		old := w.current.Load()
		w.log.Error("rules: reload failed; the rules in force stay as they were",
			"path", w.path, "errors", len(errs), "rules", len(old.Rules()))
		w.notify(old, errs)
		return errs
	}
	w.refused = nil
	changes := Compare(w.current.Swap(set), set)
	attrs := []any{"path", w.path, "rules", len(set.Rules()), "warnings", len(diags.Warnings())}
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
	w.log.Info("rules: reloaded", attrs...)
	w.notify(set, nil)
	return nil
}

// notify calls the OnReload hooks; w.mu is held.
func (w *Watcher) notify(set *Set, err error) {
	for _, fn := range w.hooks {
		fn(set, err)
	}
}

// logDiagnostics logs each diagnostic with its position under "pos".
func (w *Watcher) logDiagnostics(diags config.Diagnostics) {
	for _, d := range diags {
		if d.Warning {
			w.log.Warn("rules: warning in a rule file", "pos", d.Pos.String(), "warning", d.Msg)
		} else {
			w.log.Error("rules: error in a rule file", "pos", d.Pos.String(), "error", d.Msg)
		}
	}
}

// Run watches the rules directory and reloads the rules a moment after
// each change, until ctx is done; then it returns nil. It returns an error
// only when the directory cannot be watched. Changes made between
// NewWatcher and Run are picked up when Run starts.
func (w *Watcher) Run(ctx context.Context) error {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("rules: watch %s: %w", w.watchDir, err)
	}
	defer fsw.Close()
	if err := fsw.Add(w.watchDir); err != nil {
		return fmt.Errorf("rules: watch %s: %w", w.watchDir, err)
	}
	w.mu.Lock()
	w.fsw, w.lost = fsw, false
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.fsw = nil
		w.mu.Unlock()
	}()

	_ = w.reload(false) // errors are logged and reported to the hooks
	if w.watching != nil {
		w.watching()
	}

	// A pending reload waits for the timer; every relevant event restarts
	// it, so a burst of events makes one reload.
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
				return errors.New("rules: file watcher closed")
			}
			if w.removesDir(ev) {
				w.log.Error("rules: the rules directory was removed or renamed; the rules in force stay until it is back and a reload (SIGHUP) succeeds",
					"dir", w.watchDir)
				w.mu.Lock()
				w.lost = true
				w.mu.Unlock()
				continue
			}
			if !w.relevant(ev) {
				continue
			}
			w.log.Debug("rules: change", "file", ev.Name, "op", ev.Op.String())
			timer.Reset(w.debounce)
			due = timer.C
		case err, ok := <-fsw.Errors:
			if !ok {
				return errors.New("rules: file watcher closed")
			}
			// An overflow means lost events: reload to be sure.
			w.log.Warn("rules: watching the rules directory", "dir", w.watchDir, "error", err)
			timer.Reset(w.debounce)
			due = timer.C
		case <-due:
			due = nil
			_ = w.reload(false)
		}
	}
}

// relevant reports whether ev may have changed the rules.
func (w *Watcher) relevant(ev fsnotify.Event) bool {
	if !ev.Op.Has(fsnotify.Create) && !ev.Op.Has(fsnotify.Write) &&
		!ev.Op.Has(fsnotify.Remove) && !ev.Op.Has(fsnotify.Rename) {
		return false // attributes only
	}
	name := filepath.Base(ev.Name)
	if w.file != "" {
		return name == w.file
	}
	// Kubernetes updates a mounted ConfigMap by swapping a "..data"
	// symbolic link, under which the rule files' own links resolve.
	return isRuleFile(name) || strings.HasPrefix(name, "..")
}

// removesDir reports whether ev is the removal or renaming of the watched
// directory itself, which ends the watch.
func (w *Watcher) removesDir(ev fsnotify.Event) bool {
	return filepath.Clean(ev.Name) == filepath.Clean(w.watchDir) &&
		(ev.Op.Has(fsnotify.Remove) || ev.Op.Has(fsnotify.Rename))
}
