package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/slacktest"
)

// TestStoryThreadEndToEnd: one event from four feeds gives one Slack
// alert and one reply in its thread naming the other outlets; a later
// report gives a second reply; a distinct event of the same day its own
// alert; an edited item nothing.
func TestStoryThreadEndToEnd(t *testing.T) {
	slack := slacktest.Start(t, slacktest.Options{})
	dir := t.TempDir()
	pub := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	const talks = "Officials of Israel and Syria met in Baku on Saturday for a second round of talks on security " +
		"arrangements along the 1974 disengagement line, two officials briefed on the meeting said."
	wire := btItem{"w1", "Israel and Syria hold talks in Baku", "https://wire.example/baku", talks, pub}
	daily := btItem{"d1", "Israel and Syria hold talks in Baku", "https://daily.example/1?utm_source=rss", talks, pub.Add(time.Minute)}
	gazette := btItem{"g1", "Israel and Syria hold talks in Baku", "https://gazette.example/1", talks, pub.Add(2 * time.Minute)}
	distinct := btItem{"w2", "Israel strikes a car in Syria's Daraa", "https://wire.example/daraa",
		"Two men were killed near Kuwaya, Syria; Israel did not comment.", pub.Add(3 * time.Minute)}
	config := fmt.Sprintf(`
[daemon]
data_dir = "data"
admin_addr = ""
[log]
level = "warn"
[stories]
reply_delay = "0"
[[feed]]
name = "Wire"
url  = "file:wire.xml"
[[feed]]
name = "Daily"
url  = "file:daily.xml"
[[feed]]
name = "Gazette"
url  = "file:gazette.xml"
[[feed]]
name = "Monitor"
url  = "file:monitor.xml"
[[notifier]]
name    = "slack"
type    = "slack"
token   = %q
channel = "#news"
api_url = %q
`, slack.Token(), slack.APIURL())
	writeFiles(t, dir, map[string]string{
		"config.toml":        config,
		"rules.d/watch.toml": "[[rule]]\nname = \"syria-israel\"\nquery = 'syria AND israel'\n",
		"wire.xml":           btRSS(wire, distinct),
		"daily.xml":          btRSS(),
		"gazette.xml":        btRSS(),
		"monitor.xml":        btRSS(),
	})
	cfg := filepath.Join(dir, "config.toml")
	once := func() {
		t.Helper()
		if code, _, stderr := runWithEnv(t, context.Background(), nil, "once", "-config", cfg, "-drain", "10s"); code != 0 {
			t.Fatalf("once: exit %d\n%s", code, stderr)
		}
	}
	once()
	posts := slack.Messages()
	if len(posts) != 2 || posts[0].ThreadTS != "" || posts[1].ThreadTS != "" {
		t.Fatalf("first run: %+v; want the two events' alerts", posts)
	}
	head := posts[0]
	if !strings.Contains(head.Text, "Baku") {
		t.Fatalf("first alert %q, want the Baku talks", head.Text)
	}

	// Two more outlets carry the wire copy: one reply lists both. The
	// gazette also reports the next round of the talks, in other words
	// but with the same names: another event, its own alert.
	nextRound := btItem{"g2", "Israel and Syria to hold a third round of talks in Paris",
		"https://gazette.example/2", "Officials of Israel and Syria will meet in Paris next week for a third round of talks on " +
			"security arrangements along the 1974 disengagement line, officials said.", pub.Add(4 * time.Minute)}
	writeFiles(t, dir, map[string]string{"daily.xml": btRSS(daily), "gazette.xml": btRSS(gazette, nextRound)})
	once()
	posts = slack.Messages()
	if len(posts) != 4 {
		t.Fatalf("second run: %d posts, want one reply and the next round's alert: %+v", len(posts), posts[2:])
	}
	var reply, next slacktest.Message
	for _, p := range posts[2:] {
		if p.ThreadTS != "" {
			reply = p
		} else {
			next = p
		}
	}
	if !strings.Contains(next.Text, "third round") {
		t.Errorf("the next round's post %+v; want an alert of its own", next)
	}
	if reply.ThreadTS != head.TS || reply.Channel != slack.ChannelID("#news") ||
		!strings.Contains(reply.Text, "Also reported by: ") || !strings.Contains(reply.Text, "Daily") || !strings.Contains(reply.Text, "Gazette") {
		t.Errorf("reply %+v; want one reply in the alert's thread naming Daily and Gazette", reply)
	}

	// A later report: a second reply. An edit of the wire's item: nothing.
	edited := wire
	edited.title = "Israel and Syria hold second round of talks in Baku"
	late := btItem{"m1", "Israel and Syria hold talks in Baku", "https://monitor.example/1", talks, pub.Add(10 * time.Minute)}
	writeFiles(t, dir, map[string]string{"monitor.xml": btRSS(late), "wire.xml": btRSS(edited, distinct)})
	once()
	posts = slack.Messages()
	if len(posts) != 5 || posts[4].ThreadTS != head.TS || !strings.Contains(posts[4].Text, "Monitor") {
		t.Errorf("third run: %+v; want one more reply, naming Monitor", posts[4:])
	}

	// Why the next round is not the Baku story: the round and the place.
	code, stdout, stderr := runWithEnv(t, context.Background(), nil, "stories", "explain", "-config", cfg, wire.link, nextRound.link)
	if code != 0 || !strings.Contains(stdout, "grouped: no") || !strings.Contains(stdout, "disagrees") {
		t.Errorf("stories explain: exit %d\n%s%s", code, stdout, stderr)
	}
	// A user takes the gazette's copy out of the Baku story.
	storyOf := func(link string) string {
		t.Helper()
		code, stdout, stderr := runWithEnv(t, context.Background(), nil, "backtest", "-json", "-config", cfg)
		if code != 0 {
			t.Fatalf("backtest: exit %d\n%s", code, stderr)
		}
		for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
			if strings.Contains(line, `"link":"`+link+`"`) {
				return line[strings.Index(line, `"story":"`)+9 : strings.Index(line, `","items"`)]
			}
		}
		t.Fatalf("backtest -json lacks %s:\n%s", link, stdout)
		return ""
	}
	baku := storyOf(gazette.link)
	code, stdout, stderr = runWithEnv(t, context.Background(), nil, "stories", "split", "-config", cfg, baku, gazette.link)
	if code != 0 || !strings.Contains(stdout, "left story "+baku) {
		t.Fatalf("stories split: exit %d\n%s%s", code, stdout, stderr)
	}
	if got := storyOf(gazette.link); got == baku {
		t.Errorf("after the split the gazette's copy is still in story %s", baku)
	}
	if code, _, stderr := runWithEnv(t, context.Background(), nil, "stories", "split", "-config", cfg, baku, gazette.link); code != 1 || !strings.Contains(stderr, "not "+baku) {
		t.Errorf("splitting it again: exit %d, %s; want an error naming its story", code, stderr)
	}
}
