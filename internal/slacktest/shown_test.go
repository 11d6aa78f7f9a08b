package slacktest

import "testing"

func TestShown(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"blocks", Message{Text: "fallback", Blocks: `[
			{"type":"header","text":{"type":"plain_text","text":"Head"}},
			{"type":"section","text":{"type":"mrkdwn","text":"*<https://x.example/?a=1&amp;b=2|Title &amp; more>* · <!date^1800000000^{date_short_pretty}|2027-01-15 08:00 UTC>","verbatim":true}},
			{"type":"section","text":{"type":"mrkdwn","text":"the &lt;iframe&gt; tag, &amp;lt;b&amp;gt; and &lt;https://x|click&gt;","verbatim":true}},
			{"type":"context","elements":[{"type":"mrkdwn","text":"<!subteam^S1> rule *r*","verbatim":true}]}]`},
			"Head\n*Title & more* · 2027-01-15 08:00 UTC\nthe <iframe> tag, &lt;b&gt; and <https://x|click>\n<!subteam^S1> rule *r*"},
		{"bare link", Message{Blocks: `[{"type":"section","text":{"type":"mrkdwn","text":"see <https://x.example/>","verbatim":true}}]`},
			"see https://x.example/"},
		{"no blocks", Message{Text: "Also reported by: A &amp; B"}, "Also reported by: A & B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.m.Shown()
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Shown() =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
	if _, err := (Message{Blocks: "{"}).Shown(); err == nil {
		t.Error("blocks that are not JSON were shown")
	}
}
