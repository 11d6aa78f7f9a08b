package slack

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/internal/notifytest"
)

// blockTexts returns the text of every text object in blocks, in order.
func blockTexts(t *testing.T, blocks []slackgo.Block) []string {
	t.Helper()
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var v []map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var texts []string
	walkTexts(v, &texts)
	return texts
}

// walkTexts collects text objects depth-first in document order (maps are
// visited in a fixed key order: text before elements).
func walkTexts(v any, out *[]string) {
	switch v := v.(type) {
	case []map[string]any:
		for _, x := range v {
			walkTexts(x, out)
		}
	case []any:
		for _, x := range v {
			walkTexts(x, out)
		}
	case map[string]any:
		if v["type"] == "plain_text" || v["type"] == "mrkdwn" {
			*out = append(*out, v["text"].(string))
			return
		}
		walkTexts(v["text"], out)
		walkTexts(v["elements"], out)
	}
}

func TestRenderAlert(t *testing.T) {
	st := style{}
	blocks, fallback := st.render(notifytest.AlertMessage(notifytest.SampleEntry(1)))
	checkBlockKit(t, blocks)
	texts := blockTexts(t, blocks)
	if len(texts) != 3 {
		t.Fatalf("got %d text objects, want the linked headline, snippet, context:\n%q", len(texts), texts)
	}
	want := []string{
		"*<https://www.timesofisrael.com/syria-israel-abraham-accords/?utm=x&amp;ref=y|Syria and Israel edge toward the Abraham Accords>*\n" +
			"Times of Israel · <!date^" + fmt.Sprint(notifytest.Published.Unix()) + "^{date_short_pretty} {time}|2026-11-26 09:12 UTC>",
		"Officials said normalization talks resumed on Tuesday.",
		`rule *abraham-accords* · severity *info* · matched: "Abraham Accords" (title), normalization (summary)`,
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Errorf("text %d:\n got %q\nwant %q", i, texts[i], want[i])
		}
	}
	if fallback != "Syria and Israel edge toward the Abraham Accords — Times of Israel [abraham-accords]" {
		t.Errorf("fallback = %q", fallback)
	}
}

// TestRenderHeadlineOnce checks that an alert shows its headline once,
// linked, whether or not the feed's description repeats it.
func TestRenderHeadlineOnce(t *testing.T) {
	tests := []struct {
		name, summary string
		texts         int // the headline, a snippet if any, the context line
	}{
		{"a summary of its own", "Officials said normalization talks resumed on Tuesday.", 3},
		{"the title as the description", "Syria and Israel edge toward the Abraham Accords", 2},
		{"the title again, cased and punctuated", "SYRIA and Israel edge toward the Abraham Accords.", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := notifytest.SampleEntry(1)
			e.Summary = tc.summary
			e.Hits = nil
			m := notifytest.AlertMessage(e)
			m.Severity = "high"
			blocks, _ := style{mention: "<!here>"}.render(m)
			checkBlockKit(t, blocks)
			texts := blockTexts(t, blocks)
			if len(texts) != tc.texts {
				t.Fatalf("got %d text objects, want %d:\n%q", len(texts), tc.texts, texts)
			}
			for _, b := range blocks {
				if b.BlockType() == slackgo.MBTHeader {
					t.Errorf("an alert has a header block besides its linked headline")
				}
			}
			all := strings.ToLower(strings.Join(texts, "\n"))
			if n := strings.Count(all, "syria and israel edge toward"); n != 1 {
				t.Errorf("the headline is shown %d times:\n%s", n, strings.Join(texts, "\n"))
			}
			if want := "<!here> 🔴 *<https://www.timesofisrael.com/"; !strings.HasPrefix(texts[0], want) {
				t.Errorf("headline %q, want it to start %q", texts[0], want)
			}
		})
	}
}

// TestRenderHostileAlert feeds text built to ping, disguise links and
// reorder text through the renderer; none of it may survive as syntax.
func TestRenderHostileAlert(t *testing.T) {
	e := notify.Entry{
		AlertID: 7,
		Title:   "<!channel> Breaking: <https://evil.example|Reuters> \u202Etxt.exe <@U123> &amp; <!here>",
		Link:    "javascript:alert(document.cookie)",
		Feed:    "<!subteam^S999|@everyone> News",
		Summary: "&lt;!channel&gt; <script>alert(1)</script>Read <a href='https://evil.example'>more</a> <!everyone> \x1b[2J",
		Hits:    []model.Hit{{Field: "title", Text: "<!channel>"}},
	}
	st := style{mention: "<!subteam^S0001>"}
	m := notifytest.AlertMessage(e)
	m.Severity = "high"
	m.Rule = "r<!here>"
	blocks, fallback := st.render(m)
	checkBlockKit(t, blocks)
	texts := blockTexts(t, blocks) // decoded: json.Marshal writes "<" as \u003c
	all := strings.Join(texts, "\n") + "\n" + fallback
	for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<@U123>", "<https://evil", "<!subteam^S999", "javascript:", "\u202E", "\x1b", "<script"} {
		if strings.Contains(all, bad) {
			t.Errorf("rendered message contains %+q", bad)
		}
	}
	// The configured mention is the one thing that may ping.
	if got := strings.Count(all, "<!subteam^S0001>"); got != 2 {
		t.Errorf("configured mention appears %d times, want once in the blocks and once in the fallback", got)
	}
	if !strings.HasPrefix(texts[0], "<!subteam^S0001> 🔴 *") {
		t.Errorf("high severity headline %q lacks the mention and marker", texts[0])
	}
	if !strings.Contains(texts[0], "*&lt;!channel&gt; Breaking: &lt;https://evil.example|Reuters&gt; txt.exe &lt;@U123&gt; &amp; &lt;!here&gt;*") {
		t.Errorf("title not shown as escaped text: %q", texts[0])
	}
	if strings.Contains(texts[0], "<javascript") || strings.Contains(texts[0], "|&lt;!channel") {
		t.Errorf("unsafe link was linked: %q", texts[0])
	}
}

func TestRenderMentionOnlyForHighSeverity(t *testing.T) {
	st := style{mention: "<!here>"}
	for _, sev := range []string{"", "info", "notice", "high"} {
		t.Run("severity "+sev, func(t *testing.T) {
			m := notifytest.AlertMessage(notifytest.SampleEntry(1))
			m.Severity = sev
			blocks, fallback := st.render(m)
			got := strings.Contains(strings.Join(blockTexts(t, blocks), "\n"), "<!here>") || strings.Contains(fallback, "<!here>")
			if got != (sev == "high") {
				t.Errorf("mention present = %v", got)
			}
		})
	}
}

func TestRenderLongRightToLeftText(t *testing.T) {
	arabic := strings.Repeat("اتفاقيات أبراهام للتطبيع بين سوريا وإسرائيل ", 30)
	hebrew := strings.Repeat("הֶסְכֵּמֵי אַבְרָהָם וְהַנִּרְמוּל בֵּין סוּרְיָה לְיִשְׂרָאֵל ", 30)
	for name, text := range map[string]string{"arabic": arabic, "hebrew": hebrew} {
		t.Run(name, func(t *testing.T) {
			e := notifytest.SampleEntry(1)
			e.Title, e.Summary, e.Feed = text, strings.Repeat(strings.Fields(text)[0]+" ", 3)+text, "بي بي سي عربي"
			blocks, _ := style{}.render(notifytest.AlertMessage(e))
			checkBlockKit(t, blocks)
			texts := blockTexts(t, blocks)
			headline := strings.SplitN(texts[0], "\n", 2)[0]
			if n := utf8.RuneCountInString(headline); n > maxTitleChars+200 || n < maxTitleChars*2/3 {
				t.Errorf("headline has %d characters", n)
			}
			if n := utf8.RuneCountInString(texts[1]); n > notify.SnippetChars || n < notify.SnippetChars*2/3 {
				t.Errorf("snippet has %d characters", n)
			}
			for _, s := range texts[:2] {
				if !utf8.ValidString(s) || !strings.Contains(s, strings.Fields(text)[0]) {
					t.Errorf("right-to-left text lost: %q", s)
				}
			}
			if !strings.HasSuffix(texts[1], notify.Ellipsis) {
				t.Errorf("cut snippet does not end with an notify.Ellipsis")
			}
		})
	}
}

func TestRenderEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		entry notify.Entry
		check func(t *testing.T, texts []string)
	}{
		{"no title no link no date", notify.Entry{AlertID: 1}, func(t *testing.T, texts []string) {
			if texts[0] != "*(untitled)*" {
				t.Errorf("texts %q", texts)
			}
		}},
		{"whitespace-only title", notify.Entry{AlertID: 1, Title: " \u200B\t\n", Link: "https://example.com/a"}, func(t *testing.T, texts []string) {
			if texts[0] != "*<https://example.com/a|(untitled)>*" {
				t.Errorf("texts %q", texts)
			}
		}},
		{"html in title", notify.Entry{AlertID: 1, Title: "Gaza &amp; <i>Syria</i>"}, func(t *testing.T, texts []string) {
			if texts[0] != "*Gaza &amp; Syria*" {
				t.Errorf("headline %q", texts[0])
			}
		}},
		{"entities in title", notify.Entry{AlertID: 1, Title: "Israel&#8217;s &lt;!channel&gt; move"}, func(t *testing.T, texts []string) {
			if texts[0] != "*Israel’s &lt;!channel&gt; move*" {
				t.Errorf("headline %q", texts[0])
			}
		}},
		{"huge everything", notify.Entry{
			AlertID: 1,
			Title:   strings.Repeat("<&>", 2000),
			Link:    "https://example.com/" + strings.Repeat("%E2%80%AE", 200),
			Feed:    strings.Repeat("&", 500),
			Summary: strings.Repeat("word ", 5000),
			Hits:    repeatHits(300),
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			blocks, fallback := style{}.render(notifytest.AlertMessage(tc.entry))
			checkBlockKit(t, blocks)
			if fallback == "" {
				t.Error("empty fallback text")
			}
			if tc.check != nil {
				tc.check(t, blockTexts(t, blocks))
			}
		})
	}
}

func repeatHits(n int) []model.Hit {
	hits := make([]model.Hit, n)
	for i := range hits {
		hits[i] = model.Hit{Field: "content", Text: fmt.Sprintf("term number %d with <!here>", i)}
	}
	return hits
}

func TestRenderSummaryFitsOneMessage(t *testing.T) {
	m := notifytest.ListMessage(notify.KindSummary, 40, 20)
	parts := style{}.split(m)
	if len(parts) != 1 || parts[0] != m {
		t.Fatalf("40 short entries were split into %d messages", len(parts))
	}
	blocks, fallback := style{}.render(m)
	checkBlockKit(t, blocks)
	texts := blockTexts(t, blocks)
	if texts[0] != "40 new matches for syria-israel" {
		t.Errorf("header %q", texts[0])
	}
	if fallback != "40 new matches for syria-israel" {
		t.Errorf("fallback %q", fallback)
	}
	body := strings.Join(texts[2:], "\n")
	// Most recent first: entry 40 was notifytest.Published last.
	if i40, i1 := strings.Index(body, "Report 40 "), strings.Index(body, "Report 1 "); i40 < 0 || i1 < 0 || i40 > i1 {
		t.Errorf("entries not most recent first:\n%s", body)
	}
}

func TestRenderSplitsOnlyWhenNecessary(t *testing.T) {
	for _, tc := range []struct {
		name       string
		n, linkLen int
	}{
		{"many short", 1500, 10},
		{"long links", 200, 1500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := notifytest.ListMessage(notify.KindDigest, tc.n, tc.linkLen)
			parts := style{}.split(m)
			if len(parts) < 2 {
				t.Fatalf("%d entries fit one message?", tc.n)
			}
			seen := map[int64]int{}
			ids := map[string]bool{}
			for i, p := range parts {
				if p.Part != i+1 || p.Parts != len(parts) {
					t.Errorf("part %d numbered %d/%d", i+1, p.Part, p.Parts)
				}
				if ids[p.ID] || p.ID == "" {
					t.Errorf("part %d has a repeated or empty ID %q", i+1, p.ID)
				}
				ids[p.ID] = true
				for _, e := range p.Entries {
					seen[e.AlertID]++
				}
				blocks, _ := style{}.render(p)
				checkBlockKit(t, blocks)
				texts := blockTexts(t, blocks)
				if want := fmt.Sprintf("(%d/%d)", i+1, len(parts)); !strings.HasSuffix(texts[0], want) {
					t.Errorf("header %q lacks %s", texts[0], want)
				}
				if got := strings.Count(strings.Join(texts, "\n"), "• "); got != len(p.Entries) {
					t.Errorf("part %d shows %d lines for %d entries", i+1, got, len(p.Entries))
				}
			}
			for id := int64(1); id <= int64(tc.n); id++ {
				if seen[id] != 1 {
					t.Errorf("alert %d appears in %d parts", id, seen[id])
				}
			}
			// Parts are full: merging two neighbours would not fit.
			total := 0
			for _, p := range parts {
				total += len(p.Entries)
			}
			if avg := total / len(parts); avg < 20 && tc.linkLen < 100 {
				t.Errorf("only %d entries a part on average", avg)
			}
		})
	}
}

func TestRenderDigestGroupsStories(t *testing.T) {
	m := notifytest.ListMessage(notify.KindDigest, 6, 10)
	for i := range m.Entries[:3] {
		m.Entries[i].Story = "story-1"
	}
	blocks, _ := style{}.render(m)
	checkBlockKit(t, blocks)
	texts := blockTexts(t, blocks)
	if texts[0] != "Digest for syria-israel: 6 matches" {
		t.Errorf("header %q", texts[0])
	}
	body := strings.Join(texts[2:], "\n")
	if got := strings.Count(body, "• "); got != 4 {
		t.Errorf("%d groups, want 4 (one story of 3, 3 alone):\n%s", got, body)
	}
	if !strings.Contains(body, "Report 3 on Syria–Israel talks") || !strings.Contains(body, "also reported by <https://example.com/2/xxxxxxxxxx|Feed 1>, <https://example.com/1/xxxxxxxxxx|Feed 0>") {
		t.Errorf("story group not shown with its other outlets:\n%s", body)
	}
}

// TestRenderSplitWithMention splits a high-severity digest: every part is
// valid and shows all its entries, and only the first part mentions the
// configured group, so that a long digest pings once.
func TestRenderSplitWithMention(t *testing.T) {
	st := style{mention: "<!subteam^S0123456789>"}
	m := notifytest.ListMessage(notify.KindDigest, 120, 1300) // lines of about 1,400 characters: two a section
	m.Severity = "high"
	parts := st.split(m)
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	for i, p := range parts {
		blocks, fallback := st.render(p)
		checkBlockKit(t, blocks)
		texts := blockTexts(t, blocks)
		got := strings.Contains(strings.Join(texts, "\n")+fallback, st.mention)
		if got != (i == 0) {
			t.Errorf("part %d mentions: %v", i+1, got)
		}
		if got := strings.Count(strings.Join(texts, "\n"), "• "); got != len(p.Entries) {
			t.Errorf("part %d shows %d of its %d entries", i+1, got, len(p.Entries))
		}
	}
}

// TestRenderArticleQuote shows the sentence an article hit quotes, escaped
// as every feed text: a page's text can no more ping or link than a title.
func TestRenderArticleQuote(t *testing.T) {
	e := notifytest.SampleEntry(1)
	e.Hits = []model.Hit{
		{Field: "article", Text: "normalization", Quote: "<!channel> Officials discussed normalization & <https://evil.example|the Accords>."},
	}
	blocks, _ := style{}.render(notifytest.AlertMessage(e))
	checkBlockKit(t, blocks)
	texts := blockTexts(t, blocks)
	want := "&gt; &lt;!channel&gt; Officials discussed normalization &amp; &lt;https://evil.example|the Accords&gt;. (article)"
	if !slices.Contains(texts, want) {
		t.Errorf("no block quotes the article; texts:\n%q", texts)
	}
	if last := texts[len(texts)-1]; !strings.HasSuffix(last, "matched: normalization (article)") {
		t.Errorf("context = %q, want it to end with where the term matched", last)
	}
	all := strings.Join(texts, "\n")
	for _, bad := range []string{"<!channel>", "<https://evil"} {
		if strings.Contains(all, bad) {
			t.Errorf("rendered message contains %q", bad)
		}
	}
}

// TestRenderAlertOfSeveralRules: an article that matched two rules is one
// alert: its headline once, the mention and marker of the high rule, a
// context line naming both rules with their severities and what each
// matched, and the buttons of the high rule's alert.
func TestRenderAlertOfSeveralRules(t *testing.T) {
	st := style{mention: "<!here>", actions: true}
	blocks, fallback := st.render(notifytest.RulesMessage())
	checkBlockKit(t, blocks)
	texts := blockTexts(t, blocks)
	joined := strings.Join(texts, "\n")
	if n := strings.Count(joined, "Syria and Israel edge toward the Abraham Accords"); n != 1 {
		t.Errorf("the headline is shown %d times:\n%s", n, joined)
	}
	if !strings.HasPrefix(texts[0], "<!here> 🔴 *<https://") {
		t.Errorf("headline %q, want the mention and marker first", texts[0])
	}
	const rules = `rules *abraham-accords* (high), *normalization* (notice) · severity *high* · matched: "Abraham Accords" (title), normalization (summary)`
	if !slices.Contains(texts, rules) {
		t.Errorf("no context line %q in\n%q", rules, texts)
	}
	if want := "<!here> 🔴 Syria and Israel edge toward the Abraham Accords — Times of Israel [abraham-accords, normalization]"; fallback != want {
		t.Errorf("fallback %q, want %q", fallback, want)
	}
	actions, ok := blocks[len(blocks)-1].(*slackgo.ActionBlock)
	if !ok {
		t.Fatalf("last block %T, want the buttons", blocks[len(blocks)-1])
	}
	if b, ok := actions.Elements.ElementSet[0].(*slackgo.ButtonBlockElement); !ok || b.Value != "1" {
		t.Errorf("first button %+v, want the high rule's alert (1)", actions.Elements.ElementSet[0])
	}
}

// TestRenderFollowUpOfSeveralRules: a report that follows up an alert of
// two rules is one line in the reply, and, outside a thread, one story
// line naming both rules.
func TestRenderFollowUpOfSeveralRules(t *testing.T) {
	m := notifytest.RulesMessage()
	m.Kind = notify.KindAlso
	for i := range m.Entries {
		m.Entries[i].Feed, m.Entries[i].Parent, m.Entries[i].Story = "Reuters", "The first report", "3"
	}
	m.ThreadTS = "1800000000.000001"
	blocks, fallback := style{}.render(m)
	checkBlockKit(t, blocks)
	if got := strings.Join(blockTexts(t, blocks), "\n"); strings.Count(got, "Reuters") != 2 || strings.Count(got, "• ") != 1 {
		t.Errorf("reply shows\n%s\nwant the report once", got)
	}
	if fallback != "Also reported by: Reuters" {
		t.Errorf("fallback %q", fallback)
	}

	m.ThreadTS = ""
	blocks, _ = style{}.render(m)
	checkBlockKit(t, blocks)
	texts := blockTexts(t, blocks)
	if texts[0] != "More reports of 1 story already alerted" ||
		texts[1] != "rules *abraham-accords* (high), *normalization* (notice) · also reported by Reuters" ||
		strings.Count(texts[2], "Reuters") != 1 {
		t.Errorf("follow-up message %q", texts)
	}
}
