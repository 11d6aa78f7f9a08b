//go:build unix

package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/logtest"
)

// TestSecondDaemonRefused runs a daemon (the binary, a process of its
// own) and then, on the same data_dir, a second `run` and a `once`: each
// refuses to start, naming the first by its pid, and sends nothing. Once
// the first is killed with SIGKILL, `once` runs: the kernel released the
// lock with the process, and no stale lock stays behind.
func TestSecondDaemonRefused(t *testing.T) {
	news := newNewsServer(t)
	news.rss = []newsItem{{ID: "w1", Title: "Syria and Israel move toward normalization", Published: time.Now().Add(-time.Minute)}}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"config.toml": fmt.Sprintf(`
[daemon]
data_dir   = "data"
admin_addr = ""

[log]
level = "info"

[[feed]]
name = "Wire"
url  = "%s/rss"
`, news.server.URL),
		"rules.d/watch.toml": "[[rule]]\nname = \"syria\"\nquery = 'syria'\n",
	})
	config := filepath.Join(dir, "config.toml")

	first := exec.Command(newswatchBinary(t), "run", "-config", config)
	var firstErr logtest.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	t.Cleanup(func() {
		if first.ProcessState == nil {
			first.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(firstErr.String(), "newswatch started") {
		if time.Now().After(deadline) {
			t.Fatalf("the first daemon did not start:\n%s", firstErr.String())
		}
		select {
		case err := <-exited:
			t.Fatalf("the first daemon exited: %v\n%s", err, firstErr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}

	pid := fmt.Sprintf("pid %d, ", first.Process.Pid)
	for _, args := range [][]string{{"run"}, {"once", "-drain", "0s"}} {
		t.Run(args[0], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			code, stdout, stderr := runWithEnv(t, ctx, nil, append(args, "-config", config)...)
			if code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			if !strings.Contains(stderr, "data_dir is in use by another newswatch process") ||
				!strings.Contains(stderr, pid) || !strings.Contains(stderr, `"newswatch run -config `) {
				t.Errorf("the message does not name the first daemon (%s):\n%s", pid, stderr)
			}
			if stdout != "" {
				t.Errorf("the refused %s printed alerts:\n%s", args[0], stdout)
			}
		})
	}

	first.Process.Signal(syscall.SIGKILL)
	<-exited
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if code, _, stderr := runWithEnv(t, ctx, nil, "once", "-config", config, "-drain", "0s"); code != 0 {
		t.Errorf("once after the daemon was killed: exit status %d\n%s", code, stderr)
	}
}
