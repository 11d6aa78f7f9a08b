//go:build unix

package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/logtest"
)

// TestCorruptDatabaseIsLoud damages the pages of a database's seen and
// items tables, as random bytes over a few pages would, and starts the
// daemon on it. The start-up check finds it: /readyz answers 503 naming
// the damage, /metrics has newswatch_database_corrupt 1, and the log has
// one error about it (from the check, or from the first poll that met the
// damage while the check ran) however many polls then fail on it.
func TestCorruptDatabaseIsLoud(t *testing.T) {
	news := newNewsServer(t)
	now := time.Now()
	news.rss = []newsItem{{ID: "w1", Title: "Syria and Israel move toward normalization", Published: now.Add(-time.Minute)}}
	dir := t.TempDir()
	addr := freeAddr(t)
	writeFiles(t, dir, map[string]string{
		"config.toml": fmt.Sprintf(`
[daemon]
data_dir   = "data"
admin_addr = %q
schedule   = "@every 1s"

[fetch]
jitter = "0"

[log]
level = "debug"

[[feed]]
name = "Wire"
url  = "%s/rss"
`, addr, news.server.URL),
		"rules.d/watch.toml": "[[rule]]\nname = \"syria\"\nquery = 'syria'\n",
	})
	config := filepath.Join(dir, "config.toml")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if code, _, stderr := runWithEnv(t, ctx, nil, "once", "-config", config, "-drain", "0s"); code != 0 {
		t.Fatalf("once: exit status %d\n%s", code, stderr)
	}
	corruptTables(t, filepath.Join(dir, "data", "newswatch.db"), "seen", "items")
	news.mu.Lock()
	news.rss = append(news.rss, newsItem{ID: "w2", Title: "Israel and Syria: the normalization talks resume", Published: now})
	news.mu.Unlock()

	daemon := exec.CommandContext(ctx, newswatchBinary(t), "run", "-config", config)
	var stderr logtest.Buffer
	daemon.Stderr = &stderr
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- daemon.Wait() }()
	defer func() {
		daemon.Process.Signal(syscall.SIGTERM)
		<-exited
	}()

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	// waitFor polls until ok, or fails the test at the deadline.
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s\n%s", what, stderr.String())
			}
			select {
			case err := <-exited:
				t.Fatalf("the daemon exited (%v) while waiting for %s\n%s", err, what, stderr.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}

	// The damage is found by the check at start or by the first poll, both
	// of which run beside the admin server: /readyz turns to 503 then.
	var ready string
	waitFor("/readyz to answer 503 naming the damage", func() bool {
		code, body := get("/readyz")
		ready = body
		return code == http.StatusServiceUnavailable && strings.Contains(body, "corrupt")
	})
	waitFor("newswatch_database_corrupt 1 in /metrics", func() bool {
		_, body := get("/metrics")
		return strings.Contains(body, "\nnewswatch_database_corrupt 1\n")
	})
	// Three polls fail on the damage, each logged at debug level only.
	waitFor("three polls failing on the damaged database", func() bool {
		return strings.Count(stderr.String(), `msg="poll failed: the database is corrupt"`) >= 3
	})
	var errors []string
	for line := range strings.Lines(stderr.String()) {
		if strings.Contains(line, "level=ERROR") {
			errors = append(errors, line)
		}
	}
	if len(errors) != 1 || !strings.Contains(errors[0], "database is corrupt") {
		t.Errorf("want one error in the log, the report of the damage; got %d:\n%s", len(errors), strings.Join(errors, ""))
	}
	t.Logf("/readyz: %s", ready)
}

// corruptTables overwrites the root pages of the named tables of the
// SQLite database at path (closed, its WAL checkpointed) with random
// bytes.
func corruptTables(t *testing.T, path string, tables ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var pageSize int64
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	var pages []int64
	for _, name := range tables {
		var root int64
		if err := db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&root); err != nil {
			t.Fatalf("table %s: %v", name, err)
		}
		pages = append(pages, root)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := rand.New(rand.NewPCG(17, 17))
	junk := make([]byte, pageSize)
	for _, page := range pages {
		for i := range junk {
			junk[i] = byte(r.Uint32())
		}
		if _, err := f.WriteAt(junk, (page-1)*pageSize); err != nil {
			t.Fatal(err)
		}
	}
}
