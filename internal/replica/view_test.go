package replica

import (
	"context"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/internal/store/pgtest"
)

// TestLook: the view of the cluster says which replicas are alive, what
// each holds, claims and polled, and whether they disagree.
func TestLook(t *testing.T) {
	for engine, openStore := range openers(t) {
		t.Run(engine, func(t *testing.T) {
			if engine == "postgres" {
				pgtest.Require(t)
			}
			st := openStore(t)
			ctx := context.Background()
			now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
			const lease = 30 * time.Second
			beat := func(id, cfg string, seen time.Time) {
				t.Helper()
				r := store.Replica{ID: id, ConfigHash: cfg, RulesHash: "rules", StartedAt: now.Add(-time.Hour), SeenAt: seen}
				if err := st.Heartbeat(ctx, r, now.Add(-24*time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			beat("a", "cfg", now.Add(-time.Second))
			beat("b", "cfg", now.Add(-2*time.Second))
			beat("dead", "other", now.Add(-time.Minute)) // gone: its hash does not count
			if err := st.SyncFeeds(ctx, []model.Feed{{Name: "f1", URL: "https://a.example/1"}, {Name: "f2", URL: "https://a.example/2"}}); err != nil {
				t.Fatal(err)
			}
			if err := st.ScheduleFeeds(ctx, []store.FeedSchedule{{Name: "f1", Host: "https://a.example", Enabled: true, FirstDue: now},
				{Name: "f2", Host: "https://a.example", Enabled: true, FirstDue: now}}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.ClaimDueFeeds(ctx, "b", now, 1, 5, lease); err != nil {
				t.Fatal(err)
			}
			f2, err := st.Feed(ctx, "f2")
			if err != nil {
				t.Fatal(err)
			}
			f2.PolledBy = "a"
			if err := st.SaveFeed(ctx, f2); err != nil {
				t.Fatal(err)
			}
			if ok, err := st.AcquireLease(ctx, "dispatch", "a", now, lease); err != nil || !ok {
				t.Fatalf("AcquireLease = %v, %v", ok, err)
			}
			if ok, err := st.AcquireLease(ctx, "retention", "dead", now.Add(-time.Hour), lease); err != nil || !ok {
				t.Fatalf("AcquireLease = %v, %v", ok, err)
			}

			v, err := Look(ctx, st, "a", now, lease)
			if err != nil {
				t.Fatal(err)
			}
			if v.Self != "a" || v.Disagree {
				t.Errorf("Self %q, Disagree %v; want a, false (the replica with another hash is gone)", v.Self, v.Disagree)
			}
			if len(v.Leases) != 1 || v.Leases[0].Name != "dispatch" || v.Leases[0].Holder != "a" {
				t.Errorf("Leases = %+v, want dispatch held by a (the ended one left out)", v.Leases)
			}
			got := map[string]ReplicaView{}
			for _, r := range v.Replicas {
				got[r.ID] = r
			}
			if a := got["a"]; !a.Alive || len(a.Leases) != 1 || a.Polled != 1 || a.Claimed != 0 {
				t.Errorf("a = %+v", a)
			}
			if b := got["b"]; !b.Alive || b.Claimed != 1 || b.Polled != 0 {
				t.Errorf("b = %+v", b)
			}
			if d := got["dead"]; d.Alive || len(d.Leases) != 0 {
				t.Errorf("dead = %+v", d)
			}

			beat("b", "changed", now)
			if v, err := Look(ctx, st, "a", now, lease); err != nil || !v.Disagree {
				t.Errorf("two live replicas with different configurations: Disagree = %v, %v", v != nil && v.Disagree, err)
			}
		})
	}
}
