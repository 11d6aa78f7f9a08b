package slack

import (
	"fmt"
	"github.com/newswatch/newswatch/notify/internal/notifytest"
	"testing"
)

func TestRenderHealthAlert(t *testing.T) {
	blocks, fallback := style{}.render(notifytest.HealthMessage(notifytest.HealthEntry("Times of Israel", false)))
	checkBlockKit(t, blocks)
	texts := blockTexts(t, blocks)
	want := []string{
		`⚠️ Feed "Times of Israel" is failing`,
		"*<https://timesofisrael.example/feed|Times of Israel>* · <!date^" + fmt.Sprint(notifytest.HealthAt.Unix()) + "^{date_short_pretty} {time}|2026-11-26 08:00 UTC>\n" +
			"No successful fetch for 6h 5m (9 failed attempts in a row). Last error: unexpected &lt;html&gt; &amp; status 502.",
		"newswatch feed health",
	}
	if len(texts) != len(want) {
		t.Fatalf("texts = %q, want %d of them", texts, len(want))
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Errorf("text %d:\n got %q\nwant %q", i, texts[i], want[i])
		}
	}
	if fallback != `⚠️ Feed "Times of Israel" is failing` {
		t.Errorf("fallback = %q", fallback)
	}

	if _, fallback := (style{}).render(notifytest.HealthMessage(notifytest.HealthEntry("Kan", true))); fallback != `✅ Feed "Kan" has recovered` {
		t.Errorf("recovery fallback = %q", fallback)
	}
}
