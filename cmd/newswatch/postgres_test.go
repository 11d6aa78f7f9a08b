package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/internal/store/pgtest"
)

// secretsOf returns what of dsn must never be shown: the DSN itself, its
// userinfo, and its password when the password is not also its user,
// host or database name (which are shown, and then cannot tell).
func secretsOf(t *testing.T, dsn string) []string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{dsn}
	if pw, ok := u.User.Password(); ok {
		secrets = append(secrets, u.User.Username()+":"+pw+"@")
		if pw != u.User.Username() && !strings.Contains(u.Host, pw) && !strings.Contains(u.Path, pw) {
			secrets = append(secrets, pw)
		} else {
			t.Logf("the test database's password is also its user, host or database name: only the DSN and user:password@ are looked for")
		}
	}
	return secrets
}

// TestRunOnPostgres runs the daemon on PostgreSQL: it polls, records and
// alerts as on SQLite, and the database's password shows nowhere: not in
// the logs (at debug level), the status page, /metrics or /readyz.
func TestRunOnPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
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
level = "debug"

[store]
driver = "postgres"
dsn    = "${NEWSWATCH_DATABASE_URL}"

[[feed]]
name = "Wire"
url  = "%s/rss"
`, addr, news.server.URL),
		"rules.d/watch.toml": "[[rule]]\nname = \"syria\"\nquery = 'syria'\n",
	})
	const token = "a-token-long-enough-for-the-config"
	env := map[string]string{"ADMIN_TOKEN": token, "NEWSWATCH_DATABASE_URL": dsn}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := runWithEnv(t, ctx, env, "run", "-config", filepath.Join(dir, "config.toml"))
		done <- result{code, stdout, stderr}
	}()
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	deadline := time.Now().Add(60 * time.Second)
	var metrics string
	for {
		code, body := get("/metrics")
		if code == http.StatusOK && strings.Contains(body, `newswatch_alerts_sent_total{notifier="console"} 1`) {
			metrics = body
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for the first poll's alert to be sent; /metrics: %d\n%s", code, body)
		}
		select {
		case r := <-done:
			t.Fatalf("run exited with %d:\n%s", r.code, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	_, page := get("/")
	_, ready := get("/readyz")
	if !strings.Contains(ready, `"database":"ok"`) {
		t.Errorf("/readyz = %s", ready)
	}
	cancel()
	r := <-done
	if r.code != 0 {
		t.Errorf("run after cancel: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "Syria and Israel move toward normalization") {
		t.Errorf("the console notifier printed no alert:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "store=postgres") {
		t.Errorf("the log does not say the store is PostgreSQL:\n%s", r.stderr)
	}
	for _, secret := range secretsOf(t, dsn) {
		for name, text := range map[string]string{"log": r.stderr, "stdout": r.stdout, "status page": page, "/metrics": metrics, "/readyz": ready} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s shows the database password (%q)", name, secret)
			}
		}
	}

	st, err := store.OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	items, err := st.Items(context.Background(), time.Time{})
	if err != nil || len(items) != 1 || items[0].Title != news.rss[0].Title {
		t.Errorf("PostgreSQL holds %d items (%v), want the one polled", len(items), err)
	}
}

// TestRunOnPostgresWrongPassword: a daemon that cannot log in says which
// host and database it tried, not with which password.
func TestRunOnPostgresWrongPassword(t *testing.T) {
	u, err := url.Parse(pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "Wr0ng-pa55word-of-the-test"
	u.User = url.UserPassword(u.User.Username(), secret)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"config.toml": "[daemon]\nadmin_addr = \"\"\n[store]\ndriver = \"postgres\"\ndsn = \"${NEWSWATCH_DATABASE_URL}\"\n" +
			"[[feed]]\nname = \"f\"\nurl = \"https://f.example/rss\"\n",
		"rules.d/r.toml": "[[rule]]\nname = \"r\"\nquery = 'x'\n",
	})
	for _, cmd := range [][]string{{"run"}, {"once"}, {"alerts", "list"}} {
		code, stdout, stderr := runWithEnv(t, context.Background(), map[string]string{"NEWSWATCH_DATABASE_URL": u.String()},
			append(cmd, "-config", filepath.Join(dir, "config.toml"))...)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", cmd, code)
		}
		for _, want := range []string{u.Host, strings.TrimPrefix(u.Path, "/"), "password authentication failed"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: stderr does not name %q:\n%s", cmd, want, stderr)
			}
		}
		if strings.Contains(stderr+stdout, secret) {
			t.Errorf("%s: the output shows the password:\n%s", cmd, stderr)
		}
	}
}
