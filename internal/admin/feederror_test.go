package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/monitor"
)

// TestFailedPollReadsTheSame polls a failing feed for real and reads what
// an operator reads of it: the log line names the feed and URL once, as
// attributes, its error is the cause alone, without a package prefix, and
// its next_attempt_at is the next poll the status page shows, whose row
// shows the same cause.
func TestFailedPollReadsTheSame(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	feed := model.Feed{Name: "Enab Baladi", URL: srv.URL + "/feed", Schedule: "*/10 * * * *", Enabled: true}
	fx.feeds = append(fx.feeds, feed)
	if err := fx.store.SyncFeeds(ctx, fx.feeds); err != nil {
		t.Fatal(err)
	}
	// Four failures already: the fifth backs off for 16 minutes (no
	// jitter), to 12:16, between two firings of the schedule.
	st := fx.feed(t, feed.Name)
	st.ConsecutiveFailures, st.LastFetchAt = 4, now.Add(-10*time.Minute)
	if err := fx.store.SaveFeed(ctx, st); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	p := &monitor.Poller{Store: fx.store, Now: func() time.Time { return now }, Rand: func() float64 { return 0 },
		Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	_, err := p.Poll(ctx, feed)
	if err == nil {
		t.Fatal("the poll of a feed answering 503 succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "monitor:") || !strings.Contains(msg, `feed "Enab Baladi"`) {
		t.Errorf("the poll's error %q should name the feed, without a package prefix", msg)
	}

	var line struct {
		Msg           string    `json:"msg"`
		Feed          string    `json:"feed"`
		URL           string    `json:"url"`
		Error         string    `json:"error"`
		Failures      int       `json:"failures"`
		NextAttemptAt time.Time `json:"next_attempt_at"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &line); err != nil {
		t.Fatalf("one log line wanted: %v\n%s", err, logs.String())
	}
	if line.Msg != "feed poll failed" || line.Feed != feed.Name || line.URL != feed.URL || line.Failures != 5 {
		t.Errorf("log line %+v", line)
	}
	if line.Error != "HTTP 503 Service Unavailable" {
		t.Errorf("the log's error %q, want the cause alone (the line has the feed and URL already)", line.Error)
	}
	want := now.Add(20 * time.Minute) // the first firing of */10 after the backoff
	if !line.NextAttemptAt.Equal(want) {
		t.Errorf("the log's next_attempt_at %s, want %s", line.NextAttemptAt, want)
	}

	_, _, body := get(t, fx.server().Handler(), "/")
	row := feedRowHTML(t, body, feed.Name)
	for _, want := range []string{
		`<td data-label="Next poll"><time datetime="` + line.NextAttemptAt.UTC().Format(time.RFC3339) + `"`,
		`(backing off)`,
		`>HTTP 503 Service Unavailable</span>`,
	} {
		if !strings.Contains(row, want) {
			t.Errorf("the feed's row lacks %s:\n%s", want, row)
		}
	}
	if strings.Contains(row, "monitor:") {
		t.Errorf("the feed's row shows a package prefix:\n%s", row)
	}
}

// feedRowHTML returns the status page's table row of the feed called name.
func feedRowHTML(t *testing.T, page, name string) string {
	t.Helper()
	for _, row := range strings.Split(page, `<tr class="feed `)[1:] {
		if strings.Contains(row, ">"+name+"</a>") || strings.Contains(row, ">"+name+"</span>") {
			row, _, _ = strings.Cut(row, "</tr>")
			return row
		}
	}
	t.Fatalf("the status page has no row of the feed %q", name)
	return ""
}
