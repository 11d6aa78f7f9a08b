package rules

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/newswatch/newswatch/internal/config"
)

// waitTimeout bounds every wait for a reload. Reloads normally come within
// milliseconds; the bound only keeps a broken test from hanging.
const waitTimeout = 10 * time.Second

// logBuffer is a log destination that the watcher and the test share.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// reloadEvent is one call of an OnReload hook.
type reloadEvent struct {
	set *Set
	err error
}

// watchTest is a Watcher on a temporary directory, its reloads and its log.
type watchTest struct {
	t       *testing.T
	dir     string
	w       *Watcher
	reloads chan reloadEvent
	log     *logBuffer
	seen    []reloadEvent // every reload received so far
}

// newWatchTest writes files into a new directory and starts watching it
// without debouncing; the watcher stops when the test ends.
func newWatchTest(t *testing.T, files map[string]string, run bool) *watchTest {
	t.Helper()
	wt := &watchTest{t: t, dir: t.TempDir(), reloads: make(chan reloadEvent, 64), log: &logBuffer{}}
	writeFiles(t, wt.dir, files)
	w, err := NewWatcher(wt.dir, slog.New(slog.NewTextHandler(wt.log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("NewWatcher: %v", err)
	}
	w.debounce = 0
	w.OnReload(func(s *Set, err error) { wt.reloads <- reloadEvent{s, err} })
	wt.w = w
	if !run {
		return wt
	}
	watching := make(chan struct{})
	w.watching = func() { close(watching) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after cancel, want nil", err)
			}
		case <-time.After(waitTimeout):
			t.Error("Run did not return after its context was cancelled")
		}
	})
	// Edits from here on reach Run as events, not through the reload it
	// makes when it starts.
	select {
	case <-watching:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(waitTimeout):
		t.Fatal("Run did not start watching")
	}
	return wt
}

// waitFor returns the first reload for which ok holds, failing the test if
// none comes in time.
func (wt *watchTest) waitFor(what string, ok func(reloadEvent) bool) reloadEvent {
	wt.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case ev := <-wt.reloads:
			wt.seen = append(wt.seen, ev)
			if ok(ev) {
				return ev
			}
		case <-deadline:
			wt.t.Fatalf("no reload with %s within %v; reloads seen: %d; log:\n%s", what, waitTimeout, len(wt.seen), wt.log)
			return reloadEvent{}
		}
	}
}

// waitRules waits for a successful reload whose rules are exactly names.
func (wt *watchTest) waitRules(names ...string) *Set {
	wt.t.Helper()
	ev := wt.waitFor("rules "+strings.Join(names, ", "), func(ev reloadEvent) bool {
		return ev.err == nil && slices.Equal(namesOf(ev.set), names)
	})
	if got := namesOf(wt.w.Current()); !slices.Equal(got, names) {
		wt.t.Fatalf("Current() has rules %q after the reload to %q", got, names)
	}
	return ev.set
}

// noErrors fails the test if any reload seen so far failed.
func (wt *watchTest) noErrors() {
	wt.t.Helper()
	for _, ev := range wt.seen {
		if ev.err != nil {
			wt.t.Errorf("a reload failed: %v", ev.err)
		}
	}
}

// replaceFile writes data to a temporary file beside path and renames it
// into place, the way many editors and configuration tools save.
func replaceFile(t *testing.T, path, data string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-123")
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestWatcherValidEdit(t *testing.T) {
	wt := newWatchTest(t, map[string]string{"a.toml": ruleDoc("x", "one")}, true)
	writeFiles(t, wt.dir, map[string]string{"a.toml": ruleDoc("x", "one", "two")})
	wt.waitRules("one", "two")
	if !strings.Contains(wt.log.String(), "rules: reloaded") {
		t.Errorf("the reload was not logged:\n%s", wt.log)
	}
}

func TestWatcherBrokenEditKeepsRulesUntilFixed(t *testing.T) {
	wt := newWatchTest(t, map[string]string{
		"a.toml": ruleDoc("x", "one"),
		"b.toml": ruleDoc("x", "other"),
	}, true)
	before := wt.w.Current()
	a := filepath.Join(wt.dir, "a.toml")

	// A TOML syntax error and, in another file, a query error.
	replaceFile(t, a, "[[rule]]\nname = \"one\nquery = \"x\"\n")
	ev := wt.waitFor("an error", func(ev reloadEvent) bool { return ev.err != nil })
	if ev.set != before || wt.w.Current() != before {
		t.Error("a failed reload changed the rules in force")
	}
	var ds config.Diagnostics
	if !errors.As(ev.err, &ds) || len(ds) == 0 || !strings.HasPrefix(ds[0].Pos.String(), a+":2:") {
		t.Errorf("reload error %v is not a Diagnostics at %s:2:…", ev.err, a)
	}
	if !strings.Contains(wt.log.String(), "pos="+a+":2:") {
		t.Errorf("the error was not logged with its position:\n%s", wt.log)
	}

	b := filepath.Join(wt.dir, "b.toml")
	replaceFile(t, b, "[[rule]]\nname = \"other\"\nquery = '''\n  syria AND (israel\n'''\n")
	wt.waitFor("an error in b.toml's query", func(ev reloadEvent) bool {
		return ev.err != nil && strings.Contains(ev.err.Error(), b+":")
	})
	if wt.w.Current() != before {
		t.Error("a failed reload changed the rules in force")
	}

	// The next good edit takes effect.
	replaceFile(t, a, ruleDoc("x", "fixed"))
	replaceFile(t, b, ruleDoc("x", "other"))
	wt.waitRules("fixed", "other")
}

func TestWatcherRenameIntoPlace(t *testing.T) {
	wt := newWatchTest(t, map[string]string{"a.toml": ruleDoc("x", "one")}, true)
	replaceFile(t, filepath.Join(wt.dir, "a.toml"), ruleDoc("x", "renamed"))
	wt.waitRules("renamed")
	wt.noErrors()
}

func TestWatcherVimBackupDance(t *testing.T) {
	// vim with 'backupcopy' off: rename the file to its backup, write a new
	// file, remove the backup.
	wt := newWatchTest(t, map[string]string{"a.toml": ruleDoc("x", "one")}, true)
	a := filepath.Join(wt.dir, "a.toml")
	if err := os.Rename(a, a+"~"); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, wt.dir, map[string]string{"a.toml": ruleDoc("x", "one", "vim")})
	if err := os.Remove(a + "~"); err != nil {
		t.Fatal(err)
	}
	wt.waitRules("one", "vim")
	wt.noErrors()
}

func TestWatcherDeletedAndNewFiles(t *testing.T) {
	wt := newWatchTest(t, map[string]string{
		"a.toml": ruleDoc("x", "one"),
		"b.toml": ruleDoc("x", "two"),
	}, true)
	if err := os.Remove(filepath.Join(wt.dir, "b.toml")); err != nil {
		t.Fatal(err)
	}
	wt.waitRules("one")
	writeFiles(t, wt.dir, map[string]string{"c.toml": ruleDoc("x", "three")})
	wt.waitRules("one", "three")
	wt.noErrors()
}

func TestWatcherIgnoresEditorFiles(t *testing.T) {
	wt := newWatchTest(t, map[string]string{"a.toml": ruleDoc("x", "one")}, true)
	broken := "[[rule]\nname = "
	writeFiles(t, wt.dir, map[string]string{
		".a.toml.swp": broken,
		"a.toml~":     broken,
		"#a.toml#":    broken,
		".#a.toml":    broken,
		"4913":        broken,
		"notes.txt":   broken,
	})
	writeFiles(t, wt.dir, map[string]string{"a.toml": ruleDoc("x", "one", "two")})
	wt.waitRules("one", "two")
	wt.noErrors()
}

func TestWatcherRelevantEvents(t *testing.T) {
	w := &Watcher{watchDir: "/r"}
	tests := []struct {
		name string
		op   fsnotify.Op
		want bool
	}{
		{"/r/a.toml", fsnotify.Write, true},
		{"/r/a.toml", fsnotify.Create, true},
		{"/r/a.toml", fsnotify.Remove, true},
		{"/r/a.toml", fsnotify.Rename, true},
		{"/r/a.toml", fsnotify.Chmod, false},
		{"/r/.a.toml.swp", fsnotify.Write, false},
		{"/r/a.toml~", fsnotify.Create, false},
		{"/r/#a.toml#", fsnotify.Write, false},
		{"/r/4913", fsnotify.Create, false},
		{"/r/..data", fsnotify.Create, true}, // Kubernetes ConfigMap update
	}
	for _, tc := range tests {
		if got := w.relevant(fsnotify.Event{Name: tc.name, Op: tc.op}); got != tc.want {
			t.Errorf("relevant(%s %s) = %v, want %v", tc.op, tc.name, got, tc.want)
		}
	}
	one := &Watcher{watchDir: "/r", file: "mine.conf"}
	if !one.relevant(fsnotify.Event{Name: "/r/mine.conf", Op: fsnotify.Write}) ||
		one.relevant(fsnotify.Event{Name: "/r/a.toml", Op: fsnotify.Write}) {
		t.Error("a watcher of one file reacts to other files, or not to its own")
	}
}

func TestWatcherReload(t *testing.T) {
	// Reload is what SIGHUP does; it works without Run.
	wt := newWatchTest(t, map[string]string{"a.toml": ruleDoc("x", "one")}, false)
	a := filepath.Join(wt.dir, "a.toml")

	writeFiles(t, wt.dir, map[string]string{"a.toml": ruleDoc("x", "one", "two")})
	if err := wt.w.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	wt.waitRules("one", "two")

	good := wt.w.Current()
	writeFiles(t, wt.dir, map[string]string{"a.toml": ruleDoc("x", "one") + "severity = \"urgent\"\n"})
	err := wt.w.Reload()
	var ds config.Diagnostics
	if !errors.As(err, &ds) || !strings.HasPrefix(err.Error(), a+":5:12: severity") {
		t.Fatalf("Reload of a bad file returned %v", err)
	}
	if wt.w.Current() != good {
		t.Error("a failed Reload changed the rules in force")
	}
	if ev := wt.waitFor("an error", func(ev reloadEvent) bool { return ev.err != nil }); ev.set != good {
		t.Error("OnReload was not given the rules in force after a failed reload")
	}

	// Reload reloads even when nothing changed, as an operator expects.
	writeFiles(t, wt.dir, map[string]string{"a.toml": ruleDoc("x", "one")})
	for range 2 {
		if err := wt.w.Reload(); err != nil {
			t.Fatalf("Reload: %v", err)
		}
		wt.waitRules("one")
	}
}

func TestWatcherCurrentDuringReloads(t *testing.T) {
	wt := newWatchTest(t, map[string]string{"a.toml": ruleDoc("x", "one")}, false)
	done := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if s := wt.w.Current(); s == nil || len(s.Rules()) == 0 {
					t.Error("Current() returned no rules during a reload")
					return
				}
			}
		})
	}
	for i := range 20 {
		names := []string{"one", "two"}[:1+i%2]
		replaceFile(t, filepath.Join(wt.dir, "a.toml"), ruleDoc("x", names...))
		if err := wt.w.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	readers.Wait()
}

func TestWatcherKnown(t *testing.T) {
	wt := newWatchTest(t, map[string]string{"a.toml": ruleDoc("x", "one")}, false)
	ds := wt.w.SetKnown(Known{Notifiers: []string{"slack"}})
	if len(ds) != 0 {
		t.Fatalf("SetKnown found %v in rules naming no notifier", ds)
	}
	writeFiles(t, wt.dir, map[string]string{"a.toml": ruleDoc("x", "one") + "notify = [\"slakc\"]\n"})
	err := wt.w.Reload()
	if err == nil || !strings.Contains(err.Error(), `unknown notifier "slakc"`) {
		t.Fatalf("Reload with an unknown notifier returned %v", err)
	}
	if r := wt.w.Current().Rule("one"); r == nil || len(r.Notify) != 0 {
		t.Error("a reload naming an unknown notifier took effect")
	}
}

func TestNewWatcherErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewWatcher(filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("NewWatcher on a missing directory succeeded")
	}
	writeFiles(t, dir, map[string]string{"a.toml": "[[rule]]\nname = \"Bad Name\"\nquery = \"x\"\n"})
	_, err := NewWatcher(dir, nil)
	var ds config.Diagnostics
	if !errors.As(err, &ds) || !strings.HasPrefix(err.Error(), filepath.Join(dir, "a.toml")+":2:8: ") {
		t.Errorf("NewWatcher on a bad rule returned %v", err)
	}
}

func TestWatcherOneFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"mine.conf": ruleDoc("x", "one"), "a.toml": ruleDoc("x", "other")})
	w, err := NewWatcher(filepath.Join(dir, "mine.conf"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := namesOf(w.Current()); !slices.Equal(got, []string{"one"}) {
		t.Errorf("rules %q, want only the file's", got)
	}
}

// TestWatcherLogsWhatChanged checks that a reload names the rules it
// added, changed and removed, and says when it changed none.
func TestWatcherLogsWhatChanged(t *testing.T) {
	wt := newWatchTest(t, map[string]string{
		"a.toml": ruleDoc("x", "keep", "edit", "drop"),
	}, false)
	// "keep" moves to another file: no change. "edit" gets a new query.
	writeFiles(t, wt.dir, map[string]string{
		"a.toml": ruleDoc("y", "edit") + ruleDoc("x", "new"),
		"b.toml": ruleDoc("x", "keep"),
	})
	if err := wt.w.Reload(); err != nil {
		t.Fatal(err)
	}
	log := wt.log.String()
	if !strings.Contains(log, "msg=\"rules: reloaded\"") || !strings.Contains(log, " added=new changed=edit removed=drop") {
		t.Errorf("the reload does not say what changed:\n%s", log)
	}
	if err := wt.w.Reload(); err != nil {
		t.Fatal(err)
	}
	if log := wt.log.String(); !strings.Contains(log, "changes=none") {
		t.Errorf("a reload that changed nothing does not say so:\n%s", log)
	}
}

func TestCompare(t *testing.T) {
	set := func(rules ...*Rule) *Set {
		var cs []Compiled
		for _, r := range rules {
			q, err := ParseQuery(r.Query)
			if err != nil {
				t.Fatal(err)
			}
			cs = append(cs, Compiled{Rule: r, Query: q})
		}
		return NewSet(cs)
	}
	a := &Rule{Name: "a", Query: "x", Enabled: true, File: "one.toml", Line: 1}
	aMoved := &Rule{Name: "a", Query: "x", Enabled: true, File: "two.toml", Line: 9}
	aHigh := &Rule{Name: "a", Query: "x", Enabled: true, Severity: SeverityHigh}
	b := &Rule{Name: "b", Query: "x", Enabled: true}
	bOff := &Rule{Name: "b", Query: "x", Enabled: false}
	c := &Rule{Name: "c", Query: "x", Enabled: true}
	tests := []struct {
		name       string
		prev, next *Set
		want       Changes
	}{
		{"moved is no change", set(a, b), set(aMoved, b), Changes{}},
		{"severity", set(a, b), set(aHigh, b), Changes{Changed: []string{"a"}}},
		{"disabled is removed", set(a, b), set(a, bOff), Changes{Removed: []string{"b"}}},
		{"all three", set(a, b), set(aHigh, c), Changes{Added: []string{"c"}, Changed: []string{"a"}, Removed: []string{"b"}}},
		{"from nothing", nil, set(b, a), Changes{Added: []string{"a", "b"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Compare(tc.prev, tc.next)
			if !slices.Equal(got.Added, tc.want.Added) || !slices.Equal(got.Changed, tc.want.Changed) ||
				!slices.Equal(got.Removed, tc.want.Removed) || got.Empty() != tc.want.Empty() {
				t.Errorf("Compare = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestWatcherBrokenFileLoggedOnce checks that the errors of a broken rule
// file are logged once: asked again (SIGHUP) to load the same files, the
// watcher says they are unchanged instead of logging every error again.
func TestWatcherBrokenFileLoggedOnce(t *testing.T) {
	wt := newWatchTest(t, map[string]string{"a.toml": ruleDoc("x", "one")}, false)
	writeFiles(t, wt.dir, map[string]string{"a.toml": ruleDoc("(x", "one")})
	for range 3 {
		if err := wt.w.Reload(); err == nil {
			t.Fatal("Reload of a broken file succeeded")
		}
	}
	log := wt.log.String()
	if n := strings.Count(log, "rules: error in a rule file"); n != 1 {
		t.Errorf("the error is logged %d times, want 1:\n%s", n, log)
	}
	if n := strings.Count(log, "unchanged since their errors were logged"); n != 2 {
		t.Errorf("%d reloads say the files are unchanged, want 2:\n%s", n, log)
	}
}
