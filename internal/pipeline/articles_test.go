package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/logtest"
	"github.com/newswatch/newswatch/rules"
)

// TestOnceMatchesArticles runs `once` on a teaser-only feed with article =
// "candidates": the rule needs a word only the article says, so the one
// alert comes from the page, says where the term matched and quotes it;
// an item that shares no term with the rule costs no request.
func TestOnceMatchesArticles(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("..", "article", "testdata", "news-en.html"))
	if err != nil {
		t.Fatal(err)
	}
	var pageRequests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/rss" {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Ledger</title>
<item><guid>talks</guid><title>Syrian and Israeli officials meet in Paris</title><link>http://%[1]s/talks</link>
<description>Officials met in Paris on Wednesday.</description><pubDate>%[2]s</pubDate></item>
<item><guid>oil</guid><title>Oil prices slide on demand fears</title><link>http://%[1]s/oil</link>
<description>Markets fell in Asia.</description><pubDate>%[2]s</pubDate></item>
</channel></rss>`, r.Host, time.Now().Add(-time.Minute).Format(time.RFC1123Z))
			return
		}
		pageRequests.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()

	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rules.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(`
[daemon]
data_dir = "data"

[[feed]]
name    = "Ledger"
url     = "%s/rss"
article = "candidates"
`, srv.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadEnv(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	const query = "syria* AND normaliz*"
	q, err := rules.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	set := rules.NewSet([]rules.Compiled{{Rule: &rules.Rule{Name: "normalization", Query: query, Enabled: true}, Query: q}})
	stdout := &logtest.Buffer{}
	p, err := Open(context.Background(), cfg, Options{Log: slog.New(slog.DiscardHandler), Rules: func() *rules.Set { return set },
		Stdout: stdout, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	res, err := p.Once(context.Background(), 5*time.Second)
	if err != nil || !res.OK() {
		t.Fatalf("Once = %+v, %v", res, err)
	}
	out := stdout.String()
	if n := strings.Count(out, "── normalization"); n != 1 {
		t.Errorf("%d alerts printed, want 1:\n%s", n, out)
	}
	for _, want := range []string{
		"Syrian and Israeli officials meet in Paris",
		"(article)",
		"the first steps toward normalization between the two countries.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the alert lacks %q:\n%s", want, out)
		}
	}
	if n := pageRequests.Load(); n != 1 {
		t.Errorf("%d pages fetched, want 1 (the item that shares nothing with the rule is not fetched)", n)
	}
}
