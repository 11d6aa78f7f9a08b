package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/internal/store"
)

const alertsConfig = `
[daemon]
data_dir = "data"

[[feed]]
name = "wire"
url  = "https://wire.example/rss"
`

// alertsFixture writes a configuration and a database holding a delivered,
// a dead, a queued and a digest alert, a follow-up of the delivered one and
// one of the queued one, and returns the config path and the alerts' IDs
// in that order.
// databaseFile is the name of the database in data_dir.
const databaseFile = pipeline.DatabaseFile

func alertsFixture(t *testing.T) (string, []int64) {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"config.toml": alertsConfig})
	st, err := store.Open(context.Background(), filepath.Join(dir, "data", databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Millisecond)
	alerts := []*model.Alert{
		{Rule: "abraham-accords", Notifier: "slack", Channel: "#news", Severity: "high", Title: "Syria and Israel edge toward the Abraham Accords",
			Link: "https://example.com/1", Feed: "Times of Israel", Hits: []model.Hit{{Field: "title", Text: "Abraham Accords"}}, CreatedAt: now.Add(-3 * time.Hour)},
		{Rule: "abraham-accords", Notifier: "slack", Channel: "#gone", Title: "Hostile \x1b[2J title\nwith a line break", CreatedAt: now.Add(-2 * time.Hour)},
		{Rule: "normalization", Notifier: "console", Title: "التطبيع بين سوريا وإسرائيل", CreatedAt: now.Add(-30 * time.Minute)},
		{Rule: "weekly", Notifier: "console", Title: "Digest item", Digest: true, CreatedAt: now.Add(-10 * time.Minute)},
	}
	tx, err := st.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(alerts))
	for i, a := range alerts {
		if err := tx.Enqueue(a); err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}
	// Two follow-ups: one of the delivered alert, collecting its batch;
	// one of the queued alert, waiting for it.
	for _, a := range []*model.Alert{
		{Rule: "abraham-accords", Notifier: "slack", Channel: "#news", Kind: model.KindAlso, ParentID: ids[0], Title: "Al-Monitor report",
			CreatedAt: now.Add(-5 * time.Minute), NextAttemptAt: now.Add(10 * time.Minute)},
		{Rule: "normalization", Notifier: "console", Kind: model.KindAlso, ParentID: ids[2], Title: "Another report",
			CreatedAt: now.Add(-time.Minute), NextAttemptAt: now.Add(9 * time.Minute)},
	} {
		if err := tx.Enqueue(a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.MarkDelivered(ctx, ids[0], now.Add(-3*time.Hour+time.Second), "1795770720.000100", "C0NEWS"); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkRetry(ctx, ids[1], now, "notify: slack: http_500"); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkFailed(ctx, ids[1], now.Add(-time.Hour), "notify: slack: channel_not_found: channel_not_found"); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "config.toml"), ids
}

func TestAlertsListTable(t *testing.T) {
	cfg, ids := alertsFixture(t)
	code, out, errOut := runCmd(t, "", "alerts", "list", "-config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if strings.ContainsAny(out, "\x1b\r") {
		t.Errorf("control characters reached the terminal: %q", out)
	}
	header := lines[0]
	for _, col := range []string{"ID", "CREATED", "KIND", "STATUS", "WHEN", "RULE", "TO", "TRIES", "TITLE"} {
		if !strings.Contains(header, col) {
			t.Errorf("header %q lacks %s", header, col)
		}
	}
	// Newest first, every column aligned under its header: a follow-up
	// collecting its batch, the same waiting for its alert, a digest line,
	// a queued alert, a dead letter after two failed attempts, an alert
	// delivered at its first.
	want := []struct{ kind, status, when, tries string }{
		{"follow-up", "waiting", "after", "0"},
		{"follow-up", "queued", "20", "0"},
		{"digest", "queued", "-", "0"},
		{"alert", "queued", "20", "0"},
		{"alert", "dead", "20", "2"},
		{"alert", "delivered", "20", "1"},
	}
	if len(lines) != len(want)+1 {
		t.Fatalf("%d lines, want a header and %d alerts:\n%s", len(lines), len(want), out)
	}
	col := func(line, name string) string { return strings.Fields(line[strings.Index(header, name):])[0] }
	ruleCol := strings.Index(header, "RULE")
	for i, line := range lines[1:] {
		w := want[i]
		if got := []string{col(line, "KIND"), col(line, "STATUS"), col(line, "TRIES")}; got[0] != w.kind || got[1] != w.status || got[2] != w.tries {
			t.Errorf("row %d: kind, status, tries %q, want %s %s %s", i+1, got, w.kind, w.status, w.tries)
		}
		if got := col(line, "WHEN"); !strings.HasPrefix(got, w.when) {
			t.Errorf("row %d: when %q, want %s…", i+1, got, w.when)
		}
		if line[ruleCol-1] != ' ' || line[ruleCol] == ' ' {
			t.Errorf("row %d not aligned under RULE: %q", i+1, line)
		}
	}
	if !strings.Contains(lines[1], fmt.Sprintf("after %d", ids[2])) {
		t.Errorf("the waiting follow-up does not name its alert %d: %q", ids[2], lines[1])
	}
	if !strings.Contains(out, "Hostile [2J title with a line break") || !strings.Contains(out, "slack #news") {
		t.Errorf("output:\n%s", out)
	}
}

func TestAlertsListFailed(t *testing.T) {
	cfg, ids := alertsFixture(t)
	code, out, _ := runCmd(t, "", "alerts", "list", "-failed", "-config", cfg)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
	if !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "REASON") {
		t.Errorf("header %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], itoa(ids[1])+" ") || !strings.Contains(lines[1], "channel_not_found") ||
		!strings.Contains(lines[1], "slack #gone") {
		t.Errorf("row %q", lines[1])
	}
}

func TestAlertsListJSON(t *testing.T) {
	cfg, ids := alertsFixture(t)
	tests := []struct {
		name string
		args []string
		want []int64
	}{
		{"all", nil, []int64{ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"rule", []string{"-rule", "abraham-accords"}, []int64{ids[4], ids[1], ids[0]}},
		{"since a duration", []string{"-since", "1h"}, []int64{ids[5], ids[4], ids[3], ids[2]}},
		{"since a date", []string{"-since", time.Now().Add(-150 * time.Minute).UTC().Format(time.RFC3339)}, []int64{ids[5], ids[4], ids[3], ids[2], ids[1]}},
		{"failed", []string{"-failed"}, []int64{ids[1]}},
		{"limit", []string{"-limit", "1"}, []int64{ids[5]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"alerts", "list", "-json", "-config", cfg}, tc.args...)
			code, out, errOut := runCmd(t, "", args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got []int64
			for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if line == "" {
					continue
				}
				var a format.AlertRecord
				if err := json.Unmarshal([]byte(line), &a); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				got = append(got, a.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("IDs %v, want %v", got, tc.want)
			}
		})
	}
	_, out, _ := runCmd(t, "", "alerts", "list", "-json", "-rule", "abraham-accords", "-config", cfg)
	var followUp, delivered map[string]any
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[0]), &followUp); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[2]), &delivered); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{"status": "queued", "kind": "follow-up", "state": "queued", "parent_id": float64(ids[0]),
		"attempts": float64(0), "failed_attempts": float64(0)} {
		if followUp[key] != want {
			t.Errorf("follow-up: %s = %v, want %v", key, followUp[key], want)
		}
	}
	if sends, err := time.Parse(time.RFC3339, followUp["sends_at"].(string)); err != nil || sends.Before(time.Now().Add(5*time.Minute)) {
		t.Errorf("follow-up sends_at %v (%v), want about 10 minutes from now", followUp["sends_at"], err)
	}
	for key, want := range map[string]any{"status": "delivered", "kind": "alert", "state": "delivered", "attempts": float64(1), "failed_attempts": float64(0),
		"rule": "abraham-accords", "severity": "high", "remote_id": "1795770720.000100",
		"remote_channel": "C0NEWS", "notifier": "slack", "channel": "#news", "feed": "Times of Israel"} {
		if delivered[key] != want {
			t.Errorf("%s = %v, want %v", key, delivered[key], want)
		}
	}
	if _, err := time.Parse(time.RFC3339, delivered["delivered_at"].(string)); err != nil {
		t.Errorf("delivered_at: %v", err)
	}
	if _, ok := delivered["dead_at"]; ok {
		t.Error("a delivered alert has a dead_at")
	}
}

func TestAlertsRetry(t *testing.T) {
	cfg, ids := alertsFixture(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"dead letter", []string{itoa(ids[1])}, 0, "requeued alert " + itoa(ids[1]), ""},
		{"delivered", []string{itoa(ids[0])}, 1, "", "was delivered"},
		{"unknown", []string{"9999"}, 1, "", "no alert 9999"},
		{"not an ID", []string{"abc"}, 1, "", `"abc" is not an alert ID`},
		{"missing", nil, 1, "", "missing alert ID"},
		{"all, none left", []string{"all"}, 0, "requeued 0 dead letters", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"alerts", "retry", "-config", cfg}, tc.args...)
			code, out, errOut := runCmd(t, "", args...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, out, errOut, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
	_, out, _ := runCmd(t, "", "alerts", "list", "-json", "-rule", "abraham-accords", "-config", cfg)
	if !strings.Contains(out, `"id":`+itoa(ids[1])+`,"status":"queued"`) || !strings.Contains(out, `"attempts":0`) {
		t.Errorf("the retried alert is not queued afresh:\n%s", out)
	}
}

func TestAlertsRetryAll(t *testing.T) {
	cfg, _ := alertsFixture(t)
	code, out, _ := runCmd(t, "", "alerts", "retry", "all", "-config", cfg)
	if code != 0 || out != "requeued 1 dead letter\n" {
		t.Errorf("exit %d, output %q", code, out)
	}
	if _, out, _ := runCmd(t, "", "alerts", "list", "-failed", "-json", "-config", cfg); out != "" {
		t.Errorf("dead letters left: %s", out)
	}
}

func TestAlertsWithoutDatabase(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"config.toml": alertsConfig})
	cfg := filepath.Join(dir, "config.toml")
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"list"}, 0},
		{[]string{"retry", "all"}, 0},
		{[]string{"retry", "3"}, 1},
	} {
		code, out, errOut := runCmd(t, "", append(append([]string{"alerts"}, tc.args...), "-config", cfg)...)
		if code != tc.code {
			t.Errorf("alerts %v: exit %d (%s%s), want %d", tc.args, code, out, errOut, tc.code)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "data", "*")); len(matches) != 0 {
		t.Errorf("a read created files: %v", matches)
	}
}

func TestAlertsUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"alerts"}, 1},
		{[]string{"alerts", "forget"}, 1},
		{[]string{"alerts", "-h"}, 0},
		{[]string{"alerts", "list", "-h"}, 0},
		{[]string{"alerts", "retry", "-h"}, 0},
		{[]string{"alerts", "list", "-since", "yesterday", "-config", "x.toml"}, 1},
		{[]string{"alerts", "list", "-limit", "-3", "-config", "x.toml"}, 1},
		{[]string{"alerts", "list", "-config", filepath.Join(t.TempDir(), "missing.toml")}, 1},
	} {
		code, _, errOut := runCmd(t, "", tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errOut)
		}
		if tc.code == 0 && !strings.Contains(errOut, "Usage: newswatch alerts") {
			t.Errorf("%v: no usage: %q", tc.args, errOut)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestAlertsListUnknownRule checks that -rule with a name no rule has is
// an error that says so, while a rule with no alerts yet, or one removed
// whose alerts are kept, lists nothing without complaint.
func TestAlertsListUnknownRule(t *testing.T) {
	cfg, _ := alertsFixture(t)
	writeFiles(t, filepath.Dir(cfg), map[string]string{
		"rules.d/a.toml": "[[rule]]\nname = \"gulf-shipping\"\nquery = \"tanker\"\n\n[[rule]]\nname = \"quiet\"\nquery = \"x\"\nenabled = false\n",
	})
	for _, tc := range []struct {
		args    []string
		code    int
		message string
	}{
		{[]string{"-rule", "NOSUCH"}, 1, `rule "NOSUCH" does not exist: no rule file in `},
		{[]string{"-rule", "gulf-shiping", "-json"}, 1, `(did you mean "gulf-shipping"?)`},
		{[]string{"-rule", "gulf-shipping"}, 0, ""},     // configured, no alerts yet
		{[]string{"-rule", "quiet"}, 0, ""},             // disabled
		{[]string{"-rule", "weekly", "-failed"}, 0, ""}, // in the history only
		{[]string{"-rule", "@feed-health"}, 0, ""},      // reserved
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, "", append([]string{"alerts", "list", "-config", cfg}, tc.args...)...)
			if code != tc.code || tc.message != "" && (!strings.Contains(errOut, tc.message) || out != "") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, tc.code, tc.message)
			}
		})
	}
}
