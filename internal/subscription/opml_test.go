package subscription

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/config"
)

func TestReadOPMLRejectsNonOPML(t *testing.T) {
	if _, err := ReadOPML(strings.NewReader(`<rss version="2.0"><channel/></rss>`)); err == nil {
		t.Error("an RSS document was read as OPML")
	}
	feeds, err := ReadOPML(strings.NewReader(`<?xml version="1.0" encoding="ISO-8859-1"?>` +
		"<opml version=\"2.0\"><body><outline text=\"Caf\xe9\" xmlUrl=\"https://cafe.example/rss\" language=\"fr-FR\" category=\"/News/World,Food\"/>" +
		"<outline text=\"Bogus\" xmlUrl=\"https://bogus.example/rss\" language=\"qq\"/></body></opml>"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Subscription{
		{Name: "Café", URL: "https://cafe.example/rss", Tags: []string{"world", "food"}, Lang: "fr"},
		{Name: "Bogus", URL: "https://bogus.example/rss"},
	}
	if !reflect.DeepEqual(feeds, want) {
		t.Errorf("ReadOPML = %+v, want %+v", feeds, want)
	}
}

func TestWriteOPMLReadsBack(t *testing.T) {
	feeds := []config.Feed{
		{Name: "Kan 11", URL: "https://www.kan.org.il/rss?a=1&b=2", Tags: []string{"mideast", "hebrew"}, Lang: "he"},
		{Name: "عنب بلدي", URL: "https://www.enabbaladi.net/feed"},
		{Name: "Haaretz", URL: "https://www.haaretz.com/srv/rss", Tags: []string{"hebrew"}},
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, feeds, time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<dateCreated>Fri, 20 Nov 2026 08:00:00 GMT</dateCreated>") {
		t.Errorf("no RFC 822 dateCreated:\n%s", buf.String())
	}
	got, err := ReadOPML(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	// Read back in the order of the folders.
	want := []Subscription{
		{Name: "Kan 11", URL: "https://www.kan.org.il/rss?a=1&b=2", Tags: []string{"mideast", "hebrew"}, Lang: "he"},
		{Name: "Haaretz", URL: "https://www.haaretz.com/srv/rss", Tags: []string{"hebrew"}},
		{Name: "عنب بلدي", URL: "https://www.enabbaladi.net/feed"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v, want %+v", got, want)
	}

	// A reader that keeps folders and ignores categories (Miniflux,
	// Feedly) sees every tag as a folder.
	var doc opmlDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	folders := map[string][]string{}
	for _, o := range doc.Body.Outlines {
		for _, c := range o.Outlines {
			folders[o.Text] = append(folders[o.Text], c.Text)
		}
		if len(o.Outlines) == 0 {
			folders[""] = append(folders[""], o.Text)
		}
	}
	wantFolders := map[string][]string{"mideast": {"Kan 11"}, "hebrew": {"Kan 11", "Haaretz"}, "": {"عنب بلدي"}}
	if !reflect.DeepEqual(folders, wantFolders) {
		t.Errorf("folders %v, want %v\n%s", folders, wantFolders, buf.String())
	}
}

// TestReadOPMLFeedInTwoFolders checks that a feed filed in two folders is
// read once, with both folders as tags.
func TestReadOPMLFeedInTwoFolders(t *testing.T) {
	got, err := ReadOPML(strings.NewReader(`<opml version="1.0"><body>
<outline text="Middle East"><outline type="rss" text="ToI" xmlUrl="https://toi.example/feed"/></outline>
<outline text="Wire"><outline type="rss" text="The Times of Israel" xmlUrl="https://toi.example/feed" category="israel"/></outline>
</body></opml>`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Subscription{{Name: "ToI", URL: "https://toi.example/feed", Tags: []string{"middle-east", "wire", "israel"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadOPML = %+v, want %+v", got, want)
	}
}

func TestImport(t *testing.T) {
	configured := []config.Feed{{Name: "Kan 11", URL: "https://www.kan.org.il/rss"}}
	subs := []Subscription{
		{Name: "Kan", URL: "https://www.kan.org.il/rss"},
		{Name: "Newsletter", URL: "feed://letters.example/abc.xml"},
		{Name: "Kan 11", URL: "https://www.kan.org.il/other", Tags: []string{"hebrew"}, Lang: "he"},
		{Name: "Kan 11", URL: "https://www.kan.org.il/third"},
		{URL: "https://sana.sy/en/?feed=rss2"},
		{Name: "Again", URL: "https://sana.sy/en/?feed=rss2"},
	}
	add, skipped := Import(subs, configured)
	wantAdd := []config.FeedTable{
		{Name: "Kan 11 (2)", URL: "https://www.kan.org.il/other", Tags: []string{"hebrew"}, Lang: "he"},
		{Name: "Kan 11 (3)", URL: "https://www.kan.org.il/third"},
		{Name: "sana.sy", URL: "https://sana.sy/en/?feed=rss2"},
	}
	if !reflect.DeepEqual(add, wantAdd) {
		t.Errorf("added %+v\nwant %+v", add, wantAdd)
	}
	wantSkipped := []Skipped{
		{subs[0], `https://www.kan.org.il/rss is already configured, as "Kan 11"`},
		{subs[1], `"feed://letters.example/abc.xml" is not an http(s) URL`},
		{subs[5], `https://sana.sy/en/?feed=rss2 is already configured, as "sana.sy"`},
	}
	if !reflect.DeepEqual(skipped, wantSkipped) {
		t.Errorf("skipped %+v\nwant %+v", skipped, wantSkipped)
	}
}

func TestFeedName(t *testing.T) {
	for title, want := range map[string]string{
		"  Times of Israel\n":    "Times of Israel",
		"Kan\u202e 11":           "Kan 11",
		strings.Repeat("a", 100): strings.Repeat("a", 79) + "…",
		"":                       "",
	} {
		if got := FeedName(title); got != want {
			t.Errorf("FeedName(%q) = %q, want %q", title, got, want)
		}
	}
}
