package console

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/internal/notifytest"
)

func TestConsole(t *testing.T) {
	var out strings.Builder
	c := New(Options{Out: &out, Location: time.UTC})
	e := notifytest.SampleEntry(1)
	e.Title += " \x1b[2J\u202E"
	m := notifytest.AlertMessage(e)
	m.Severity = "high"
	if _, _, err := c.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	want := "── abraham-accords · high " + strings.Repeat("─", 60-26) + "\n" +
		"Syria and Israel edge toward the Abraham Accords [2J\n" +
		"Times of Israel · 2026-11-26 09:12 UTC\n" +
		"https://www.timesofisrael.com/syria-israel-abraham-accords/?utm=x&ref=y\n" +
		`matched: "Abraham Accords" (title), normalization (summary)` + "\n" +
		"Officials said normalization talks resumed on Tuesday.\n\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	d := notifytest.ListMessage(notify.KindDigest, 2, 3)
	if _, _, err := c.Notify(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	want = "── syria-israel · notice · digest of 2 matches " + strings.Repeat("─", 60-47) + "\n" +
		"• Report 2 on Syria–Israel talks — Feed 1 · 2026-11-26 09:13 UTC\n" +
		"  https://example.com/2/xxx\n" +
		"• Report 1 on Syria–Israel talks — Feed 0 · 2026-11-26 09:12 UTC\n" +
		"  https://example.com/1/xxx\n\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestConsoleHealth(t *testing.T) {
	var out bytes.Buffer
	c := New(Options{Out: &out, Location: time.UTC})
	problem, recovery := notifytest.HealthEntry("Times of Israel", false), notifytest.HealthEntry("Kan", true)
	problem.AlertID, recovery.AlertID = 1, 2
	if _, _, err := c.Notify(context.Background(), notifytest.HealthMessage(recovery, problem)); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"── feed health · 2 changes ─",
		"PROBLEM Feed \"Times of Israel\" is failing\nhttps://timesofisrael.example/feed · 2026-11-26 08:00 UTC\nNo successful fetch for 6h 5m",
		"RECOVERED Feed \"Kan\" has recovered\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, notify.HealthRule) {
		t.Errorf("console output shows the internal rule name:\n%s", got)
	}
}

// TestConsoleFollowUp prints later reports of a story outside a thread.
func TestConsoleFollowUp(t *testing.T) {
	entries := []notify.Entry{
		{AlertID: 2, Title: "Talks resume", Link: "https://reuters.example/1", Feed: "Reuters", Story: "7", Parent: "Baku talks", Seen: notifytest.Published},
		{AlertID: 3, Title: "Baku round two", Link: "https://al-monitor.example/2", Feed: "Al-Monitor", Story: "7", Parent: "Baku talks", Seen: notifytest.Published},
	}
	out := &notify.Message{Kind: notify.KindAlso, Rule: "r", Entries: entries}
	var b strings.Builder
	c := New(Options{Out: &b, Location: time.UTC})
	if _, _, err := c.Notify(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "also reported") || !strings.Contains(b.String(), "also: Al-Monitor https://al-monitor.example/2") {
		t.Errorf("console:\n%s", b.String())
	}
}

func TestConsoleArticleQuote(t *testing.T) {
	var out strings.Builder
	c := New(Options{Out: &out, Location: time.UTC})
	e := notifytest.SampleEntry(1)
	e.Hits = []model.Hit{{Field: "article", Text: "normalization", Quote: "Officials discussed\n normalization \x1b[2Jin Paris."}}
	if _, _, err := c.Notify(context.Background(), notifytest.AlertMessage(e)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"matched: normalization (article)\n",
		"  “Officials discussed normalization [2Jin Paris.” (article)\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestConsoleAlertOfSeveralRules: an article that matched two rules is
// one block, named for both, with what each matched.
func TestConsoleAlertOfSeveralRules(t *testing.T) {
	var out strings.Builder
	c := New(Options{Out: &out, Location: time.UTC})
	if _, _, err := c.Notify(context.Background(), notifytest.RulesMessage()); err != nil {
		t.Fatal(err)
	}
	head := "── abraham-accords, normalization · high "
	want := head + strings.Repeat("─", 60-utf8.RuneCountInString(head)) + "\n" +
		"Syria and Israel edge toward the Abraham Accords\n" +
		"Times of Israel · 2026-11-26 09:12 UTC\n" +
		"https://www.timesofisrael.com/syria-israel-abraham-accords/?utm=x&ref=y\n" +
		`matched: "Abraham Accords" (title), normalization (summary)` + "\n" +
		"Officials said normalization talks resumed on Tuesday.\n\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	m := notifytest.RulesMessage()
	m.Kind = notify.KindAlso
	for i := range m.Entries {
		m.Entries[i].Feed, m.Entries[i].Parent, m.Entries[i].Story = "Reuters", "The first report", "3"
	}
	if _, _, err := c.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	head = "── abraham-accords, normalization · also reported "
	want = head + strings.Repeat("─", 60-utf8.RuneCountInString(head)) + "\n" +
		"• The first report\n" +
		"  also: Reuters https://www.timesofisrael.com/syria-israel-abraham-accords/?utm=x&ref=y\n\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
