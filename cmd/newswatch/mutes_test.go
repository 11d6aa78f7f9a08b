package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// mutesFixture writes a configuration and a database with a story muted
// and a rule snoozed (holding one alert), and returns the config path and
// the mute's and the snooze's IDs.
func mutesFixture(t *testing.T) (string, int64, int64) {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"config.toml": alertsConfig})
	st, err := store.Open(context.Background(), filepath.Join(dir, "data", databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	story := &store.Story{Title: "Talks in Baku", CreatedAt: now}
	if err := tx.NewStory(story); err != nil {
		t.Fatal(err)
	}
	held := &model.Alert{Rule: "normalization", Notifier: "slack", Channel: "#news", Title: "Held", CreatedAt: now}
	if err := tx.Enqueue(held); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	mute := &store.Silence{Kind: store.SilenceMute, Notifier: "slack", Channel: "#news", StoryID: story.ID,
		Title: "Talks in Baku \x1b[2J", CreatedBy: "@alice", CreatorID: "UALICE", CreatedAt: now.Add(-time.Hour)}
	snooze := &store.Silence{Kind: store.SilenceSnooze, Notifier: "slack", Channel: "#news", Rule: "normalization",
		CreatedBy: "@bob", CreatorID: "UBOB", CreatedAt: now.Add(-time.Minute), Until: now.Add(24 * time.Hour)}
	for _, s := range []*store.Silence{mute, snooze} {
		if err := st.AddSilence(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.HoldSilenced(ctx, []int64{held.ID}, snooze.ID, snooze.Until); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "config.toml"), mute.ID, snooze.ID
}

func TestMutesListAndRemove(t *testing.T) {
	cfg, muteID, snoozeID := mutesFixture(t)
	code, out, errOut := runCmd(t, "", "mutes", "list", "-config", cfg)
	if code != 0 {
		t.Fatalf("mutes list: %d\n%s", code, errOut)
	}
	for _, want := range []string{"ID  KIND", "snooze  rule normalization", "mute    Talks in Baku", "@alice", "(the story)", "active"} {
		if !strings.Contains(out, want) {
			t.Errorf("mutes list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("a control character reached the terminal")
	}

	code, out, errOut = runCmd(t, "", "mutes", "remove", strconv.FormatInt(snoozeID, 10), "-config", cfg)
	if code != 0 || !strings.Contains(out, "removed snooze "+strconv.FormatInt(snoozeID, 10)+" of rule normalization; 1 alert it held goes out now") {
		t.Fatalf("mutes remove: %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runCmd(t, "", "mutes", "remove", strconv.FormatInt(snoozeID, 10), "999", "-config", cfg)
	if code != 1 || !strings.Contains(errOut, "already ended or was undone") || !strings.Contains(errOut, "no mute or snooze 999") {
		t.Errorf("second remove: %d\n%s", code, errOut)
	}

	code, out, _ = runCmd(t, "", "mutes", "list", "-json", "-all", "-config", cfg)
	if code != 0 {
		t.Fatal(code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	var first format.SilenceRecord
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.ID != snoozeID || first.Active || first.RemovedAt == "" || !strings.HasPrefix(first.RemovedBy, "newswatch mutes remove") {
		t.Errorf("removed snooze: %+v", first)
	}
	if code, out, _ = runCmd(t, "", "mutes", "list", "-config", cfg); code != 0 || strings.Contains(out, "snooze") ||
		!strings.Contains(out, strconv.FormatInt(muteID, 10)) {
		t.Errorf("mutes list after the removal:\n%s", out)
	}
}

func TestMutesWithoutDatabase(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"config.toml": alertsConfig})
	code, _, errOut := runCmd(t, "", "mutes", "list", "-config", filepath.Join(dir, "config.toml"))
	if code != 0 || !strings.Contains(errOut, "nothing is muted") {
		t.Errorf("mutes list without a database: %d %q", code, errOut)
	}
	code, _, errOut = runCmd(t, "", "mutes", "remove", "x", "-config", filepath.Join(dir, "config.toml"))
	if code != 1 || !strings.Contains(errOut, `"x" is not the ID`) {
		t.Errorf("mutes remove x: %d %q", code, errOut)
	}
}
