package dirlock

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAcquire takes the lock, is refused a second time with the holder
// named, and takes it again once it is released.
func TestAcquire(t *testing.T) {
	dir := t.TempDir()
	me := Holder{PID: 4242, Command: "newswatch run -config /etc/newswatch/config.toml",
		Started: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), Host: "news-1", Parent: "systemd"}
	first, err := Acquire(dir, me)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir, Self())
	var locked *LockedError
	if !errors.As(err, &locked) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second Acquire: %v, want a LockedError", err)
	}
	want := `pid 4242, "newswatch run -config /etc/newswatch/config.toml", started 2026-12-07 10:00:00 UTC by systemd on host news-1`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name the holder as %q", err, want)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	second, err := Acquire(dir, Self())
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	defer second.Release()
	h, err := Read(dir)
	if err != nil || h == nil || h.PID != os.Getpid() {
		t.Fatalf("Read = %+v, %v; want this process (pid %d)", h, err, os.Getpid())
	}
}

// TestAcquireAfterKill checks that a lock held by a process that was
// killed with SIGKILL is free: the kernel released it.
func TestAcquireAfterKill(t *testing.T) {
	if dir := os.Getenv("DIRLOCK_TEST_HOLD"); dir != "" {
		// The helper process: take the lock, say so, wait to be killed.
		if _, err := Acquire(dir, Self()); err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("held\n")
		io.Copy(io.Discard, os.Stdin) // until killed, or the test is gone
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcquireAfterKill$")
	cmd.Env = append(os.Environ(), "DIRLOCK_TEST_HOLD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line := make([]byte, 5)
	if n, err := out.Read(line); err != nil || string(line[:n]) != "held\n" {
		t.Fatalf("helper said %q, %v", line[:n], err)
	}

	_, err = Acquire(dir, Self())
	var locked *LockedError
	if !errors.As(err, &locked) || locked.Holder == nil || locked.Holder.PID != cmd.Process.Pid {
		t.Fatalf("Acquire while the helper (pid %d) holds the lock: %v", cmd.Process.Pid, err)
	}
	if !strings.Contains(err.Error(), "pid "+strconv.Itoa(cmd.Process.Pid)) {
		t.Errorf("error %q does not name pid %d", err, cmd.Process.Pid)
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	l, err := Acquire(dir, Self())
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	l.Release()
}

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"plain", []string{"/usr/bin/newswatch", "run", "-config", "/etc/newswatch/config.toml"}, "newswatch run -config /etc/newswatch/config.toml"},
		{"space", []string{"newswatch", "once", "-config", "/srv/my news/config.toml"}, `newswatch once -config "/srv/my news/config.toml"`},
		{"empty", []string{"newswatch", ""}, `newswatch ""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := commandLine(tc.args); got != tc.want {
				t.Errorf("commandLine(%q) = %s, want %s", tc.args, got, tc.want)
			}
		})
	}
}

// TestHolderFile checks that what one process writes another reads, and
// that a line break in a value cannot forge a field.
func TestHolderFile(t *testing.T) {
	dir := t.TempDir()
	me := Holder{PID: 7, Command: "newswatch run\npid: 99", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Host: "h", Parent: "bash"}
	l, err := Acquire(dir, me)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	me.Command = "newswatch run pid: 99"
	if got == nil || *got != me {
		t.Errorf("Read = %+v, want %+v", got, me)
	}
	if h, err := Read(t.TempDir()); h != nil || err != nil {
		t.Errorf("Read of a directory without a lock file = %+v, %v; want nil, nil", h, err)
	}
}
