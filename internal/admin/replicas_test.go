package admin

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/replica"
	"github.com/newswatch/newswatch/internal/store"
)

// TestStatusPageShowsReplicas: with replicas sharing the database, the page
// lists them with their leases and what they poll, says which feed each
// polled last, and warns when they run different configurations.
func TestStatusPageShowsReplicas(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	if _, _, body := get(t, fx.server().Handler(), "/"); strings.Contains(body, `id="replicas"`) {
		t.Fatal("a page of one process shows replicas")
	}
	for _, r := range []store.Replica{
		{ID: "alpha-1-aaaaaa", Hostname: "alpha", Version: "v1", ConfigHash: "c0ffee", RulesHash: "r1", StartedAt: now.Add(-time.Hour), SeenAt: now.Add(-5 * time.Second)},
		{ID: "beta-2-bbbbbb", Hostname: "beta", Version: "v1", ConfigHash: "decade", RulesHash: "r1", StartedAt: now.Add(-time.Hour), SeenAt: now.Add(-time.Second)},
		{ID: "gamma-3-cccccc", Hostname: "gamma", Version: "v0", StartedAt: now.Add(-2 * time.Hour), SeenAt: now.Add(-time.Hour)},
	} {
		if err := fx.store.Heartbeat(ctx, r, now.Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := fx.store.AcquireLease(ctx, "dispatch", "beta-2-bbbbbb", now.Add(-time.Second), 30*time.Second); err != nil || !ok {
		t.Fatalf("AcquireLease = %v, %v", ok, err)
	}
	toi := fx.feed(t, "Times of Israel")
	toi.PolledBy = "alpha-1-aaaaaa"
	if err := fx.store.SaveFeed(ctx, toi); err != nil {
		t.Fatal(err)
	}
	s := fx.server()
	s.Cluster = func(ctx context.Context) (*replica.View, error) {
		return replica.Look(ctx, fx.store, "alpha-1-aaaaaa", now, 30*time.Second)
	}
	_, _, body := get(t, s.Handler(), "/")
	for _, want := range []string{
		`<section id="replicas">`,
		`<code>alpha-1-aaaaaa</code> <small>(this one)</small>`,
		`<tr class="replica alive">`, `<tr class="replica gone">`,
		`<td data-label="Leases">dispatch</td>`,
		`<td data-label="Feeds polled last" class="num">1</td>`,
		`class="problem replicas-disagree"`,
		`<code>c0ffee</code> · <code>r1</code>`,
		`last by alpha-1-aaaaaa`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %s", want)
		}
	}
	checkInert(t, body)
}
