package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestRunServesAdmin runs the daemon with its admin server on and checks
// that readiness, metrics, the status page and the token work together.
func TestRunServesAdmin(t *testing.T) {
	news := newNewsServer(t)
	news.rss = []newsItem{{ID: "w1", Title: "Syria and Israel move toward normalization", Published: time.Now().Add(-time.Minute)}}
	dir := t.TempDir()
	addr := freeAddr(t)
	writeFiles(t, dir, map[string]string{
		"config.toml": fmt.Sprintf(`
[daemon]
data_dir    = "data"
admin_addr  = %q
admin_token = "${ADMIN_TOKEN}"

[log]
level = "warn"

[[feed]]
name = "Wire"
url  = "%s/rss"
`, addr, news.server.URL),
		"rules.d/watch.toml": `
[[rule]]
name  = "syria"
query = 'syria'
`,
	})
	const token = "a-token-long-enough-for-the-config"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		code, _, _ := runWithEnv(t, ctx, map[string]string{"ADMIN_TOKEN": token}, "run", "-config", filepath.Join(dir, "config.toml"))
		done <- code
	}()

	get := func(path string, withToken bool) (int, string) {
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if withToken {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	// waitFor polls path until its answer satisfies ok.
	waitFor := func(what, path string, ok func(int, string) bool) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			code, body := get(path, true)
			if ok(code, body) {
				return body
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; last answer %d:\n%s", what, code, body)
			}
			select {
			case c := <-done:
				t.Fatalf("run exited with %d while waiting for %s", c, what)
			case <-tick.C:
			}
		}
	}

	ready := waitFor("readiness", "/readyz", func(code int, _ string) bool { return code == http.StatusOK })
	for _, check := range []string{`"database":"ok"`, `"scheduler":"ok"`, `"rules":"ok"`} {
		if !strings.Contains(ready, check) {
			t.Errorf("/readyz = %s, lacks %s", ready, check)
		}
	}
	waitFor("metrics of the first poll", "/metrics", func(code int, body string) bool {
		return code == http.StatusOK &&
			strings.Contains(body, `newswatch_fetches_total{feed="Wire",outcome="ok"} 1`) &&
			strings.Contains(body, `newswatch_matches_total{rule="syria"} 1`) &&
			strings.Contains(body, `newswatch_alerts_queued_total{notifier="console"} 1`)
	})
	if code, body := get("/", true); code != http.StatusOK || !strings.Contains(body, ">Wire</a>") || !strings.Contains(body, "syria") {
		t.Errorf("status page: %d\n%s", code, body)
	}
	for _, path := range []string{"/", "/metrics"} {
		if code, _ := get(path, false); code != http.StatusUnauthorized {
			t.Errorf("GET %s without the token: %d, want 401", path, code)
		}
	}
	if code, _ := get("/healthz", false); code != http.StatusOK {
		t.Errorf("GET /healthz without the token: %d, want 200", code)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("run after cancel: exit %d", code)
	}
}
