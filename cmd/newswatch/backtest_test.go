package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// btItem is an item of the backtest's feed files (written for the test).
type btItem struct {
	guid, title, link, summary string
	published                  time.Time
}

func btRSS(items ...btItem) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title><link>https://x.example/</link>` + "\n")
	for _, it := range items {
		fmt.Fprintf(&b, "<item><guid>%s</guid><title>%s</title><link>%s</link><description>%s</description><pubDate>%s</pubDate></item>\n",
			html.EscapeString(it.guid), html.EscapeString(it.title), html.EscapeString(it.link), html.EscapeString(it.summary),
			it.published.Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

func TestBacktest(t *testing.T) {
	dir := t.TempDir()
	pub := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	const talks = "Officials of Israel and Syria met in Baku on Saturday for a second round of talks on security " +
		"arrangements along the 1974 disengagement line, two officials briefed on the meeting said."
	baku := btItem{"w1", "Israel and Syria hold talks in Baku", "https://wire.example/baku", talks, pub}
	weather := btItem{"w2", "Weather in Damascus", "https://wire.example/weather", "Sunny and mild.", pub.Add(time.Minute)}
	hotline := btItem{"w3", "Syria and Israel agree a military hotline", "https://wire.example/hotline",
		"The two armies will talk by telephone.", pub.Add(2 * time.Minute)}
	// The same wire copy in another paper, and an aggregator's link to the wire.
	copied := btItem{"d1", "Israel and Syria hold talks in Baku", "https://daily.example/77?utm_source=rss", talks, pub.Add(30 * time.Minute)}
	gnews := "https://news.google.com/rss/articles/" + base64.RawURLEncoding.EncodeToString(
		append([]byte{0x08, 0x13, 0x22, byte(len(hotline.link))}, hotline.link...)) + "?oc=5"
	aggregated := btItem{"a1", "Syria and Israel agree a military hotline - Wire", gnews, "Wire", pub.Add(40 * time.Minute)}

	writeFiles(t, dir, map[string]string{
		"config.toml": `
[daemon]
data_dir = "data"
backfill = "24h"
admin_addr = ""
[log]
level = "warn"
[[feed]]
name = "Wire"
url  = "file:wire.xml"
[[feed]]
name = "Daily"
url  = "file:daily.xml"
[[feed]]
name = "Aggregator"
url  = "file:aggregator.xml"
`,
		"rules.d/watch.toml": "[[rule]]\nname = \"syria-israel\"\nquery = 'syria AND israel'\n",
		"draft.toml":         "[[rule]]\nname = \"baku\"\nquery = 'baku'\n[[rule]]\nname = \"damascus\"\nquery = 'damascus'\n",
		"wire.xml":           btRSS(baku, weather, hotline),
		"daily.xml":          btRSS(),
		"aggregator.xml":     btRSS(),
	})
	cfg := filepath.Join(dir, "config.toml")
	ctx := context.Background()
	once := func() {
		t.Helper()
		if code, _, stderr := runWithEnv(t, ctx, nil, "once", "-config", cfg, "-drain", "0s"); code != 0 {
			t.Fatalf("once: exit %d\n%s", code, stderr)
		}
	}
	once()
	writeFiles(t, dir, map[string]string{"daily.xml": btRSS(copied), "aggregator.xml": btRSS(aggregated)})
	once()

	ts := func(t time.Time) string { return t.Format(time.RFC3339) }
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"configured rules", nil, []string{
			`{"rule":"syria-israel","story":"3","items":[` +
				`{"feed":"Wire","title":"Syria and Israel agree a military hotline","link":"https://wire.example/hotline","published":"` + ts(hotline.published) + `"},` +
				`{"feed":"Aggregator","title":"Syria and Israel agree a military hotline - Wire","link":"` + gnews + `","published":"` + ts(aggregated.published) + `"}]}`,
			`{"rule":"syria-israel","story":"1","items":[` +
				`{"feed":"Wire","title":"Israel and Syria hold talks in Baku","link":"https://wire.example/baku","published":"` + ts(baku.published) + `"},` +
				`{"feed":"Daily","title":"Israel and Syria hold talks in Baku","link":"https://daily.example/77?utm_source=rss","published":"` + ts(copied.published) + `"}]}`,
		}},
		{"draft rules", []string{"-rules", filepath.Join(dir, "draft.toml")}, []string{
			`{"rule":"damascus","story":"2","items":[{"feed":"Wire","title":"Weather in Damascus","link":"https://wire.example/weather","published":"` + ts(weather.published) + `"}]}`,
			`{"rule":"baku","story":"1","items":[` +
				`{"feed":"Wire","title":"Israel and Syria hold talks in Baku","link":"https://wire.example/baku","published":"` + ts(baku.published) + `"},` +
				`{"feed":"Daily","title":"Israel and Syria hold talks in Baku","link":"https://daily.example/77?utm_source=rss","published":"` + ts(copied.published) + `"}]}`,
		}},
		{"since excludes everything", []string{"-since", "1ms"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"backtest", "-json", "-config", cfg}, tc.args...)
			code, stdout, stderr := runWithEnv(t, ctx, nil, args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			// The contract's fields, as config-and-cli.md gives them.
			contract, why := backtestContract(t, stdout)
			want := strings.Join(tc.want, "\n")
			if want != "" {
				want += "\n"
			}
			if contract != want {
				t.Errorf("output:\n%s\nwant:\n%s", contract, want)
			}
			// And why each later item joined its story.
			for title, stage := range map[string]string{"Syria and Israel agree a military hotline - Wire": "link"} {
				if got, ok := why[title]; ok && got != stage {
					t.Errorf("%q joined by %q, want %q", title, got, stage)
				}
			}
			if got, ok := why["Israel and Syria hold talks in Baku"]; tc.want != nil && (!ok || got != "simhash") {
				t.Errorf("the daily's copy of the Baku report joined by %q, want simhash", got)
			}
			if !strings.Contains(stderr, "nothing was sent") {
				t.Errorf("stderr %q", stderr)
			}
		})
	}

	code, stdout, _ := runWithEnv(t, ctx, nil, "backtest", "-config", cfg)
	if code != 0 || !strings.Contains(stdout, "syria-israel · story 1 · 2 items from 2 feeds") ||
		!strings.Contains(stdout, "https://daily.example/77?utm_source=rss") {
		t.Errorf("text output (exit %d):\n%s", code, stdout)
	}
	if code, _, stderr := runWithEnv(t, ctx, nil, "backtest", "-config", cfg, "-rules", filepath.Join(dir, "missing.toml")); code != 1 || stderr == "" {
		t.Errorf("a missing rules path: exit %d, stderr %q; want 1 and a message", code, stderr)
	}
	if code, _, _ := runWithEnv(t, ctx, nil, "backtest", "-config", cfg, "-since", "yesterday"); code != 1 {
		t.Errorf("a bad -since: exit %d, want 1", code)
	}
}

// backtestContract returns backtest -json's output with only the fields
// of the contract (config-and-cli.md), one line a story, and the stage by
// which each item with a "why" joined its story, by title. Every item must
// have an ID; the first of a story no "why".
func backtestContract(t *testing.T, out string) (string, map[string]string) {
	t.Helper()
	type item struct {
		Feed      string `json:"feed"`
		Title     string `json:"title"`
		Link      string `json:"link"`
		Published string `json:"published,omitempty"`
	}
	type line struct {
		Rule  string `json:"rule"`
		Story string `json:"story"`
		Items []item `json:"items"`
	}
	var b strings.Builder
	why := map[string]string{}
	for _, l := range strings.SplitAfter(out, "\n") {
		if l == "" {
			continue
		}
		var full struct {
			Items []struct {
				Title string `json:"title"`
				ID    int64  `json:"id"`
				Why   *struct {
					Stage string `json:"stage"`
				} `json:"why"`
			} `json:"items"`
		}
		var c line
		if err := json.Unmarshal([]byte(l), &full); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		for i, it := range full.Items {
			switch {
			case it.ID == 0:
				t.Errorf("item %q has no id", it.Title)
			case i == 0 && it.Why != nil:
				t.Errorf("the first item %q of a story has a why", it.Title)
			case i > 0 && it.Why == nil:
				t.Errorf("the later item %q of a story has no why", it.Title)
			case it.Why != nil:
				why[it.Title] = it.Why.Stage
			}
		}
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(c); err != nil {
			t.Fatal(err)
		}
	}
	return b.String(), why
}
