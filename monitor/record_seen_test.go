package monitor

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// TestPollSkipsItemSeenEarlierInThePoll checks that an item whose
// identity an earlier item of the same document was recorded under (here
// as its link alias) is skipped, as seen, instead of failing the poll.
func TestPollSkipsItemSeenEarlierInThePoll(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	withGUID := story(1, time.Hour)
	byLink := story(2, 0) // no GUID: identified by the same link
	byLink.GUID, byLink.Link = "", withGUID.Link
	doc := rssDoc(byLink, withGUID)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(doc)) }))
	defer srv.Close()
	feed := model.Feed{Name: "Wire", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	res := env.poll(feed)
	if res.New != 1 || res.Alerts != 1 {
		t.Fatalf("poll = %+v, want 1 new item and its alert", res)
	}
	if as := env.alerts(); len(as) != 1 || as[0].Title != withGUID.Title {
		t.Errorf("alerts %q, want only the item with a GUID, which is older", alertTitles(as))
	}
	if res := env.poll(feed); res.New != 0 || res.Alerts != 0 {
		t.Errorf("second poll = %+v, want nothing new", res)
	}
}
