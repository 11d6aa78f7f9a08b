package pipeline

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/notify/webhook"
)

// TestDeskOneMessagePerArticle: an article that matches two rules reaches
// each destination once, naming both rules, with the severity and the
// mention of the high one; another outlet's report of it is one reply
// (one follow-up message where there are no threads), not one per rule. A
// rule that sends elsewhere gets its own message there, and a digest rule
// keeps its alerts for its digest.
func TestDeskOneMessagePerArticle(t *testing.T) {
	d := newDesk(t, []string{"Wire", "Post"}, "[stories]\nreply_delay = \"0\"\n", `
[[rule]]
name     = "accords"
query    = "accords"
severity = "high"

[[rule]]
name     = "normalization"
query    = "normalization"
severity = "notice"

[[rule]]
name    = "elsewhere"
query   = "accords"
notify  = ["bot"]
channel = "#other"

[[rule]]
name   = "weekly"
query  = "accords"
digest = "0 9 * * 1"
`)
	cfg, err := os.ReadFile(filepath.Join(d.dir, "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(d.dir, "config.toml"),
		strings.Replace(string(cfg), "channel = \"#desk\"\n", "channel = \"#desk\"\nmention = \"<!here>\"\n", 1))

	const title = "Syria and Israel edge toward the Abraham Accords"
	const text = "Officials said normalization talks on joining the Abraham Accords resumed in Baku on Tuesday."
	d.publish("Wire", deskItem{GUID: "w1", Title: title, Link: "https://wire.example/1", Description: text, Published: time.Now().Add(-time.Hour)})
	res := d.once(t, 10*time.Second)
	if !res.OK() || res.Digest != 4 {
		t.Fatalf("first once: %+v, want everything delivered and weekly's 4 alerts waiting for its digest\n%s", res, d.logs)
	}

	for _, channel := range []string{"#desk", "#hook"} {
		posts := d.posts(t, channel)
		if len(posts) != 1 {
			t.Fatalf("%s: %d messages, want one for the article", channel, len(posts))
		}
		got := shown(t, posts[0])
		if !strings.Contains(got, "rules *accords* (high), *normalization* (notice) · severity *high*") || strings.Contains(got, "weekly") {
			t.Errorf("%s does not name both rules (and only them):\n%s", channel, got)
		}
		if n := strings.Count(got, title); n != 1 {
			t.Errorf("%s shows the headline %d times:\n%s", channel, n, got)
		}
	}
	desk := d.posts(t, "#desk")
	if !strings.HasPrefix(desk[0].Text, "<!here> 🔴 ") {
		t.Errorf("#desk: %q, want the mention and marker of the high rule", desk[0].Text)
	}
	other := d.posts(t, "#other")
	if len(other) != 1 || !strings.Contains(shown(t, other[0]), "rule *elsewhere* · severity *info*") {
		t.Errorf("#other: %+v, want elsewhere's alert alone", other)
	}

	payloads := d.webhookPayloads()
	if len(payloads) != 1 {
		t.Fatalf("webhook: %d payloads, want one", len(payloads))
	}
	p := payloads[0]
	if p.Kind != "alert" || p.Rule.Name != "accords" || p.Rule.Severity != "high" ||
		!slices.Equal(payloadRules(p), []string{"accords high", "normalization notice"}) ||
		len(p.Alerts) != 2 || p.Alerts[0].Rule != "accords" || p.Alerts[1].Rule != "normalization" ||
		p.Alerts[0].Item.ID != p.Alerts[1].Item.ID {
		t.Errorf("webhook payload %+v, want one alert of both rules", p)
	}

	out := d.stdout.String()
	if strings.Count(out, "── ") != 1 || !strings.Contains(out, "── accords, normalization · high ─") || strings.Count(out, title) != 1 {
		t.Errorf("console printed\n%s\nwant one block for both rules", out)
	}
	if !strings.Contains(out, "matched: Accords (title, summary), normalization (summary)\n") {
		t.Errorf("console printed\n%s\nwant what both rules matched", out)
	}

	// Another outlet reports the story.
	d.publish("Post", deskItem{GUID: "p1", Title: title, Link: "https://post.example/1", Description: text, Published: time.Now().Add(-time.Minute)})
	if res := d.once(t, 10*time.Second); !res.OK() {
		t.Fatalf("second once: %+v\n%s", res, d.logs)
	}
	desk = d.posts(t, "#desk")
	if len(desk) != 2 || desk[1].ThreadTS != desk[0].TS {
		t.Fatalf("#desk: %d messages, want the alert and one reply in its thread", len(desk))
	}
	if got := shown(t, desk[1]); strings.Count(got, "• ") != 1 || !strings.Contains(got, "*Also reported by:* Post ·") {
		t.Errorf("#desk reply shows\n%s\nwant Post's report once", got)
	}
	if other := d.posts(t, "#other"); len(other) != 2 || other[1].ThreadTS != other[0].TS {
		t.Errorf("#other: %d messages, want elsewhere's alert and its reply", len(other))
	}
	hook := d.posts(t, "#hook")
	if len(hook) != 2 {
		t.Fatalf("#hook: %d messages, want the alert and one follow-up message", len(hook))
	}
	if got := shown(t, hook[1]); strings.Count(got, "• ") != 1 || !strings.Contains(got, "rules *accords* (high), *normalization* (notice) · also reported by Post") {
		t.Errorf("#hook follow-up shows\n%s\nwant Post once, for both rules", got)
	}
	payloads = d.webhookPayloads()
	if len(payloads) != 2 || payloads[1].Kind != "also" || len(payloadRules(payloads[1])) != 2 {
		t.Errorf("webhook payloads %+v, want the alert and one follow-up for both rules", payloads)
	}
	out = d.stdout.String()
	if strings.Count(out, "also reported") != 1 || !strings.Contains(out, "── accords, normalization · also reported") {
		t.Errorf("console printed\n%s\nwant one follow-up block for both rules", out)
	}
}

// payloadRules lists a payload's rules as "name severity".
func payloadRules(p webhook.Payload) []string {
	var out []string
	for _, r := range p.Rules {
		out = append(out, r.Name+" "+r.Severity)
	}
	return out
}
