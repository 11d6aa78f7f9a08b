package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/internal/store/pgtest"
)

// TestStoreCopy moves the database of alertsFixture to another engine
// with `store copy`, and finds its alerts there.
func TestStoreCopy(t *testing.T) {
	for _, to := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(to), func(t *testing.T) {
			configPath, ids := alertsFixture(t)
			var dest string
			if to == store.Postgres {
				dest = "postgres:" + pgtest.DSN(t)
			} else {
				dest = "sqlite:" + filepath.Join(t.TempDir(), "copy.db")
			}
			code, out, errOut := runCmd(t, "", "store", "copy", "-config", configPath, "-to", dest)
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, errOut)
			}
			if !strings.Contains(out, "copied and verified: feeds 0, stories 0, items 0, seen 0, silences 0, alerts 6, feed_health 0, feedback 0, item_memos 0, story_moves 0") {
				t.Errorf("stdout %q", out)
			}
			if strings.Contains(errOut, "newswatch:newswatch") || strings.Contains(out, "newswatch:newswatch") {
				t.Errorf("the output shows a password: %s %s", out, errOut)
			}
			engine, source, _ := strings.Cut(dest, ":")
			var st *store.Store
			var err error
			if store.Engine(engine) == store.Postgres {
				st, err = store.OpenPostgres(context.Background(), source)
			} else {
				st, err = store.Open(context.Background(), source)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			alerts, err := st.AlertsIn(context.Background(), ids)
			if err != nil || len(alerts) != len(ids) {
				t.Fatalf("the copy has %d of the %d alerts (%v)", len(alerts), len(ids), err)
			}

			// Copying again into the same database is refused.
			code, _, errOut = runCmd(t, "", "store", "copy", "-config", configPath, "-to", dest)
			if code != 1 || !strings.Contains(errOut, "not empty") {
				t.Errorf("a second copy: exit %d, stderr %q", code, errOut)
			}
		})
	}
}

func TestStoreCopyUsage(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"config.toml": alertsConfig})
	configPath := filepath.Join(dir, "config.toml")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no destination", []string{"-config", configPath}, `-to is missing, and the configuration's [store] is not driver = "postgres"`},
		{"no source file", []string{"-config", configPath, "-to", "sqlite:" + filepath.Join(dir, "x.db")}, "-from: stat "},
		{"unknown engine", []string{"-from", "mysql:x", "-to", "sqlite:y"}, `want sqlite:PATH or postgres:DSN, not a database starting "mysql:"`},
		{"postgres without dsn", []string{"-from", "postgres:", "-to", "sqlite:y"}, `reads $NEWSWATCH_DATABASE_URL, which is not set`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, "", append([]string{"store", "copy"}, tc.args...)...)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, tc.want)
			}
		})
	}
}
