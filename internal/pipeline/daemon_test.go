package pipeline

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newswatch/newswatch/rules"
)

// TestDaemonRun runs the daemon with its admin server on a free port,
// reloads the rules through the reload channel, and stops it.
func TestDaemonRun(t *testing.T) {
	w := newWorld(t, "127.0.0.1:0")
	watcher, err := rules.NewWatcher(w.cfg.Rules.Dir, w.log)
	if err != nil {
		t.Fatal(err)
	}
	p := w.open(t, watcher.Current)
	d, err := p.Daemon(context.Background(), watcher)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reload := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, reload) }()

	waitLog := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(w.logs.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the log within 10s:\n%s", what, w.logs)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitLog("newswatch started")
	reload <- syscall.SIGHUP
	waitLog("SIGHUP: reloading")
	if !p.dispatcherAlive() {
		t.Error("the dispatcher is not alive while the daemon runs")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the daemon did not stop within 30s")
	}
	if !strings.Contains(w.logs.String(), "newswatch stopped") || p.dispatcherAlive() {
		t.Errorf("not stopped cleanly:\n%s", w.logs)
	}
}

func TestCheckAdminExposure(t *testing.T) {
	for _, tc := range []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8080", "", true},
		{"[::1]:8080", "", true},
		{"localhost:8080", "", true},
		{":8080", "", false},
		{"0.0.0.0:8080", "", false},
		{"192.0.2.10:8080", "", false},
		{"0.0.0.0:8080", "a-long-enough-secret", true},
		{"no-port", "", false},
	} {
		if err := checkAdminExposure(tc.addr, tc.token); (err == nil) != tc.ok {
			t.Errorf("checkAdminExposure(%q, %q) = %v, want ok %v", tc.addr, tc.token, err, tc.ok)
		}
	}
}
