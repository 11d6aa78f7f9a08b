// Package dirlock owns the lock that keeps a second newswatch process from
// working on a data directory another one works on. Two daemons polling
// into one SQLite database would each deliver the same alerts; with the
// lock, the second refuses to start and names the first.
//
// The lock is the operating system's lock on a file in the directory
// (flock on Unix, LockFileEx on Windows), which the kernel releases when
// the process that holds it ends, however it ends: a SIGKILL or a crash
// never leaves a stale lock behind. The file itself stays; it says which
// process holds the lock, for the message of the one refused.
package dirlock

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// FileName is the name of the lock file in the directory.
const FileName = "newswatch.lock"

// ErrLocked is what Acquire's error wraps when another process holds the
// lock.
var ErrLocked = errors.New("locked by another process")

// ErrUnsupported is what Acquire's error wraps on a platform without file
// locks; the caller may go on without the lock.
var ErrUnsupported = errors.New("file locks are not supported on this platform")

// Holder says which process holds a lock, as that process wrote it.
type Holder struct {
	PID int
	// Command is the holder's command line, e.g. "newswatch run -config
	// /etc/newswatch/config.toml".
	Command string
	// Started is when it took the lock.
	Started time.Time
	// Host is the holder's host name (a container's own in a container).
	Host string
	// Parent names the process that started the holder (its command name,
	// e.g. "systemd", "bash", "cron"), "" when unknown.
	Parent string
}

// Self returns the Holder that describes this process.
func Self() Holder {
	h := Holder{PID: os.Getpid(), Command: commandLine(os.Args), Started: time.Now().UTC(), Parent: parentName()}
	h.Host, _ = os.Hostname()
	return h
}

// String describes the holder for a message: `pid 4242, "newswatch run
// -config /etc/newswatch/config.toml", started 2026-12-07 10:00:00 UTC by
// systemd on host news-1`.
func (h *Holder) String() string {
	if h == nil || h.PID == 0 {
		return "a process that has not said which it is"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pid %d", h.PID)
	if h.Command != "" {
		fmt.Fprintf(&b, ", %q", h.Command)
	}
	if !h.Started.IsZero() {
		fmt.Fprintf(&b, ", started %s", h.Started.UTC().Format("2006-01-02 15:04:05 MST"))
	}
	if h.Parent != "" {
		fmt.Fprintf(&b, " by %s", h.Parent)
	}
	if h.Host != "" {
		fmt.Fprintf(&b, " on host %s", h.Host)
	}
	return b.String()
}

// LockedError is Acquire's error when another process holds the lock.
type LockedError struct {
	// Path is the lock file.
	Path string
	// Holder is what the lock file says of the holder; nil when it says
	// nothing (the holder has just taken the lock and not written yet).
	Holder *Holder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is held by %s", e.Path, e.Holder)
}

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// Lock is a held lock on a directory.
type Lock struct {
	f    *os.File
	path string
}

// Acquire takes the lock on dir (which must exist) for this process, as
// me, without waiting. When another process holds it, the error is a
// *LockedError naming it. On a platform without file locks the error
// wraps ErrUnsupported.
func Acquire(dir string, me Holder) (*Lock, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("dirlock: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			h, _ := Read(dir)
			return nil, &LockedError{Path: path, Holder: h}
		}
		return nil, fmt.Errorf("dirlock: lock %s: %w", path, err)
	}
	if err := write(f, me); err != nil {
		f.Close()
		return nil, fmt.Errorf("dirlock: %s: %w", path, err)
	}
	return &Lock{f: f, path: path}, nil
}

// Release gives the lock up. The file stays, saying who held it last.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the file releases the lock
	l.f = nil
	if err != nil {
		return fmt.Errorf("dirlock: release %s: %w", l.path, err)
	}
	return nil
}

// Read returns what the lock file in dir says of the process that holds
// (or last held) its lock; nil when it says nothing.
func Read(dir string) (*Holder, error) {
	data, err := readHolder(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("dirlock: %w", err)
	}
	return parse(data), nil
}

// write replaces the file's contents with h, as "key: value" lines.
func write(f *os.File, h Holder) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	text := fmt.Sprintf("pid: %d\ncommand: %s\nstarted: %s\nhost: %s\nparent: %s\n",
		h.PID, oneLine(h.Command), h.Started.UTC().Format(time.RFC3339), oneLine(h.Host), oneLine(h.Parent))
	if _, err := f.WriteAt([]byte(text), 0); err != nil {
		return err
	}
	return f.Sync()
}

func parse(data []byte) *Holder {
	var h Holder
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			continue
		}
		switch key {
		case "pid":
			h.PID, _ = strconv.Atoi(value)
		case "command":
			h.Command = value
		case "started":
			h.Started, _ = time.Parse(time.RFC3339, value)
		case "host":
			h.Host = value
		case "parent":
			h.Parent = value
		}
	}
	if h.PID == 0 {
		return nil
	}
	return &h
}

// commandLine renders args as a shell would read them back, quoting only
// what needs it.
func commandLine(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if i == 0 {
			a = filepath.Base(a)
		}
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\$`") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// oneLine keeps a value on its line of the file.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
