package article

import (
	"net/url"
	"testing"
)

// BenchmarkExtract measures the extraction of the main text of the pages
// of testdata (a few KB each: the article with its site's menus, related
// links and comments), already decoded to UTF-8. package monitor's
// BenchmarkArticle measures a whole fetched article, on a page of a real
// page's size too.
func BenchmarkExtract(b *testing.B) {
	pageURL, _ := url.Parse("https://news.example/2026/11/26/paris-talks")
	for _, name := range []string{"news-en.html", "news-he.html", "news-ar-windows-1256.html"} {
		b.Run(name, func(b *testing.B) {
			page := readPage(b, name)
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Extract(page, pageURL, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
