package slack

import (
	"encoding/json"
	"fmt"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/internal/notifytest"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFollowUpRendering(t *testing.T) {
	st := style{}
	entries := []notify.Entry{
		{AlertID: 2, Title: "Talks resume", Link: "https://reuters.example/1", Feed: "Reuters", Story: "7", Parent: "Baku talks", Seen: notifytest.Published},
		{AlertID: 3, Title: "Baku round two", Link: "https://al-monitor.example/2", Feed: "Al-Monitor", Story: "7", Parent: "Baku talks", Seen: notifytest.Published},
	}
	thread := &notify.Message{Kind: notify.KindAlso, Rule: "r", ThreadTS: "1.1", Entries: entries}
	blocks, text := st.render(thread)
	checkBlockKit(t, blocks)
	if text != "Also reported by: Reuters, Al-Monitor" {
		t.Errorf("thread reply text %q", text)
	}
	if raw, _ := json.Marshal(blocks); strings.Contains(string(raw), "Baku talks") {
		t.Errorf("a reply only in the thread names the story it is under: %s", raw)
	}
	// Also sent to the channel, the reply names its story.
	thread.Broadcast = true
	blocks, _ = st.render(thread)
	checkBlockKit(t, blocks)
	if texts := blockTexts(t, blocks); texts[0] != "*Also reported by:* Reuters, Al-Monitor · on *Baku talks*" {
		t.Errorf("broadcast reply opens %q", texts[0])
	}
	out := &notify.Message{Kind: notify.KindAlso, Rule: "r", Entries: entries}
	blocks, text = st.render(out)
	checkBlockKit(t, blocks)
	raw, _ := json.Marshal(blocks)
	if text != "More reports of 1 story already alerted" || !strings.Contains(string(raw), "Baku talks") ||
		!strings.Contains(string(raw), "https://al-monitor.example/2|Al-Monitor") {
		t.Errorf("follow-up message %q: %s", text, raw)
	}
	upd := &notify.Message{Kind: notify.KindUpdate, Rule: "r", Entries: []notify.Entry{{Title: "Talks end", Link: "https://x.example/1", Parent: "Talks resume"}}}
	blocks, text = st.render(upd)
	checkBlockKit(t, blocks)
	raw, _ = json.Marshal(blocks)
	if text != "Updated: Talks end" || !strings.Contains(string(raw), "was:") {
		t.Errorf("update %q: %s", text, raw)
	}
}

// TestFollowUpLineCapsOutlets: a story reported again by more outlets than
// one line holds lists as many as fit within maxLineChars, then counts the
// rest.
func TestFollowUpLineCapsOutlets(t *testing.T) {
	var entries []notify.Entry
	for i := range 200 {
		entries = append(entries, notify.Entry{
			AlertID: int64(i + 1), Title: "Talks resume", Story: "7", Parent: "Baku talks", Seen: notifytest.Published,
			Link: fmt.Sprintf("https://outlet-%d.example/2026/11/27/baku-talks-resume-after-a-long-pause", i),
			Feed: fmt.Sprintf("Outlet number %d", i),
		})
	}
	lines := style{}.followUpLines(entries)
	if len(lines) != 1 {
		t.Fatalf("got %d lines for one story, want 1", len(lines))
	}
	line := lines[0]
	if n := utf8.RuneCountInString(line); n > maxLineChars {
		t.Errorf("line of %d characters, more than %d", n, maxLineChars)
	}
	listed := strings.Count(line, "|Outlet number ")
	if listed == 0 || listed == len(entries) {
		t.Fatalf("%d of %d outlets listed, want some but not all", listed, len(entries))
	}
	if want := fmt.Sprintf(" and %d more", len(entries)-listed); !strings.HasSuffix(line, want) {
		t.Errorf("line ends %q, want %q", line[len(line)-40:], want)
	}
}
