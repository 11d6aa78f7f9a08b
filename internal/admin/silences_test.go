package admin

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/silence"
	"github.com/newswatch/newswatch/internal/store"
)

func TestStatusPageUndoesASnooze(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	book := &silence.Book{Store: fx.store, Log: slog.New(slog.DiscardHandler)}
	snooze := &store.Silence{Kind: store.SilenceSnooze, Notifier: "slack", Channel: "#news", ChannelID: "C01",
		Rule: "syria-israel", CreatedBy: "@alice", CreatorID: "UALICE", CreatedAt: now.Add(-time.Hour), Until: now.Add(23 * time.Hour)}
	if err := book.Add(ctx, snooze); err != nil {
		t.Fatal(err)
	}
	ended := &store.Silence{Kind: store.SilenceSnooze, Notifier: "slack", Channel: "#news", Rule: "abraham-accords",
		CreatedBy: "@bob", CreatedAt: now.Add(-3 * time.Hour), Until: now.Add(-2 * time.Hour)}
	if err := book.Add(ctx, ended); err != nil {
		t.Fatal(err)
	}
	srv := fx.server()
	srv.Silences = book
	srv.Token = "0123456789abcdef0123"
	h := srv.Handler()

	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth("ops", srv.Token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	for _, want := range []string{`<section id="silences">`, `snoozed rule syria-israel`, `slack #news`, `@alice`,
		`<form method="post" action="/silences/` + strconv.FormatInt(snooze.ID, 10) + `/remove">`} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %s", want)
		}
	}
	if strings.Contains(body, "snoozed rule abraham-accords") || strings.Contains(body, "@bob") {
		t.Error("the page lists a snooze that ended")
	}
	checkInert(t, body)

	post := func(auth bool, site string) int {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/silences/"+strconv.FormatInt(snooze.ID, 10)+"/remove", nil)
		if auth {
			req.SetBasicAuth("ops", srv.Token)
		}
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post(false, "same-origin"); code != http.StatusUnauthorized {
		t.Errorf("undo without the token: %d, want 401", code)
	}
	if code := post(true, "cross-site"); code != http.StatusForbidden {
		t.Errorf("undo from another site: %d, want 403", code)
	}
	if s, _ := fx.store.Silence(ctx, snooze.ID); !s.RemovedAt.IsZero() {
		t.Fatal("a refused undo removed the snooze")
	}
	if code := post(true, "same-origin"); code != http.StatusSeeOther {
		t.Errorf("undo: %d, want 303 back to the page", code)
	}
	s, err := fx.store.Silence(ctx, snooze.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !s.RemovedAt.Equal(now) || s.RemovedBy != "status page (ops)" {
		t.Errorf("removed at %v by %q", s.RemovedAt, s.RemovedBy)
	}
	// Undone already: back to the page all the same; unknown: 404.
	if code := post(true, "same-origin"); code != http.StatusSeeOther {
		t.Errorf("second undo: %d", code)
	}
	req = httptest.NewRequest(http.MethodPost, "/silences/999/remove", nil)
	req.SetBasicAuth("ops", srv.Token)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("undo of an unknown silence: %d", rec.Code)
	}
}
