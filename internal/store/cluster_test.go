package store

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// scheduleTest configures feeds named name → host, all enabled, due at
// testTime, and returns their IDs by name.
func scheduleTest(t *testing.T, s *Store, hosts map[string]string) map[string]int64 {
	t.Helper()
	var (
		specs []model.Feed
		sched []FeedSchedule
	)
	for _, name := range slices.Sorted(maps.Keys(hosts)) {
		host := hosts[name]
		specs = append(specs, model.Feed{Name: name, URL: host + "/" + name})
		sched = append(sched, FeedSchedule{Name: name, Host: host, Enabled: true, FirstDue: testTime})
	}
	ctx := context.Background()
	if err := s.SyncFeeds(ctx, specs); err != nil {
		t.Fatal(err)
	}
	if err := s.ScheduleFeeds(ctx, sched); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for name := range hosts {
		ids[name] = feedNamed(t, s, name).ID
	}
	return ids
}

func claimNames(claims []Claim) []string {
	names := []string{}
	for _, c := range claims {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	return names
}

func claim(t *testing.T, s *Store, replica string, now time.Time, limit, perHost int) []string {
	t.Helper()
	claims, err := s.ClaimDueFeeds(context.Background(), replica, now, limit, perHost, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return claimNames(claims)
}

// TestClaimDueFeeds: replicas claim due feeds, a feed once; the limit of
// claims on one host holds across replicas; a claim ends after its lease
// unless renewed, and then another replica takes the feed; FinishPoll sets
// the next due time, and is refused to a replica that lost its claim.
func TestClaimDueFeeds(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		a, b := db.open(t), db.open(t) // two replicas
		ctx := context.Background()
		ids := scheduleTest(t, a, map[string]string{
			"a1": "https://a.example", "a2": "https://a.example", "a3": "https://a.example",
			"b1": "https://b.example", "c1": "https://c.example",
		})
		before := testTime.Add(-time.Second)
		if got := claim(t, a, "r1", before, 10, 2); len(got) != 0 {
			t.Errorf("claimed before anything was due: %v", got)
		}
		// r1 takes two of a.example's three feeds and the others.
		if got, want := claim(t, a, "r1", testTime, 10, 2), []string{"a1", "a2", "b1", "c1"}; !reflect.DeepEqual(got, want) {
			t.Errorf("r1 claimed %v, want %v", got, want)
		}
		// a.example has two polls in flight: r2 gets none of it.
		if got := claim(t, b, "r2", testTime, 10, 2); len(got) != 0 {
			t.Errorf("r2 claimed %v beside r1's claims", got)
		}
		// r1 finishes a1: its next due time is set and a3 may go.
		next := testTime.Add(5 * time.Minute).Truncate(time.Millisecond)
		if ok, err := a.FinishPoll(ctx, ids["a1"], "r1", next); err != nil || !ok {
			t.Fatalf("FinishPoll = %v, %v", ok, err)
		}
		if got := feedNamed(t, a, "a1"); !got.DueAt.Equal(next) || got.ClaimedBy != "" || !got.ClaimedUntil.IsZero() {
			t.Errorf("a1 after its poll: due %v, claimed by %q until %v", got.DueAt, got.ClaimedBy, got.ClaimedUntil)
		}
		if got, want := claim(t, b, "r2", testTime.Add(time.Second), 10, 2), []string{"a3"}; !reflect.DeepEqual(got, want) {
			t.Errorf("r2 claimed %v, want %v", got, want)
		}
		if got := feedNamed(t, a, "a3"); got.ClaimedBy != "r2" {
			t.Errorf("a3 claimed by %q, want r2", got.ClaimedBy)
		}
		counts, err := a.ClaimCounts(ctx, testTime.Add(time.Second))
		if err != nil || !reflect.DeepEqual(counts, map[string]int{"r1": 3, "r2": 1}) {
			t.Errorf("ClaimCounts = %v, %v", counts, err)
		}

		// r2 renews; r1 dies. After the lease, r2 takes r1's feeds.
		if n, err := b.RenewClaims(ctx, "r2", testTime.Add(5*time.Second), 10*time.Second); err != nil || n != 1 {
			t.Errorf("RenewClaims = %d, %v; want 1", n, err)
		}
		if got := claim(t, b, "r2", testTime.Add(9*time.Second), 10, 2); len(got) != 0 {
			t.Errorf("r2 claimed %v while r1's claims hold", got)
		}
		if got, want := claim(t, b, "r2", testTime.Add(11*time.Second), 10, 2), []string{"a2", "b1", "c1"}; !reflect.DeepEqual(got, want) {
			t.Errorf("r2 claimed %v after r1's lease, want %v", got, want)
		}
		// r1 comes back from the dead: its claims are gone.
		if n, err := a.RenewClaims(ctx, "r1", testTime.Add(12*time.Second), 10*time.Second); err != nil || n != 0 {
			t.Errorf("RenewClaims of a dead replica = %d, %v; want 0", n, err)
		}
		if ok, err := a.FinishPoll(ctx, ids["b1"], "r1", next); err != nil || ok {
			t.Errorf("FinishPoll of a lost claim = %v, %v; want false", ok, err)
		}
		if got := feedNamed(t, a, "b1"); got.ClaimedBy != "r2" || !got.DueAt.Equal(testTime.Truncate(time.Millisecond)) {
			t.Errorf("b1 after a lost claim's FinishPoll: claimed by %q, due %v", got.ClaimedBy, got.DueAt)
		}

		due, ok, err := a.NextDue(ctx, testTime.Add(12*time.Second))
		if err != nil || !ok || !due.Equal(next) {
			t.Errorf("NextDue = %v, %v, %v; want %v (a1: every other feed is claimed)", due, ok, err, next)
		}
	})
}

// TestClaimsAreExclusive: replicas claiming at once never claim one feed
// twice, nor exceed the limit per host.
func TestClaimsAreExclusive(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		hosts := map[string]string{}
		for i := range 40 {
			hosts[fmt.Sprintf("f%02d", i)] = fmt.Sprintf("https://h%d.example", i%4)
		}
		first := db.open(t)
		scheduleTest(t, first, hosts)
		stores := []*Store{first, db.open(t), db.open(t)}
		var (
			mu      sync.Mutex
			claimed = map[string]string{}
			wg      sync.WaitGroup
		)
		for i, s := range stores {
			wg.Go(func() {
				replica := fmt.Sprint("r", i)
				for range 10 {
					claims, err := s.ClaimDueFeeds(context.Background(), replica, testTime, 2, 3, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for _, c := range claims {
						if other, ok := claimed[c.Name]; ok {
							t.Errorf("%s claimed by %s and %s", c.Name, other, replica)
						}
						claimed[c.Name] = replica
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		perHost := map[string]int{}
		for name := range claimed {
			perHost[hosts[name]]++
		}
		for host, n := range perHost {
			if n > 3 {
				t.Errorf("%d claims on %s, want at most 3", n, host)
			}
		}
		if len(claimed) != 12 {
			t.Errorf("%d feeds claimed, want 12 (4 hosts, 3 each)", len(claimed))
		}
	})
}

func TestScheduleFeeds(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "on", "off", "new")
		first := testTime.Truncate(time.Millisecond)
		later := first.Add(time.Hour)
		if err := s.ScheduleFeeds(ctx, []FeedSchedule{{Name: "on", Host: "https://on.example", Enabled: true, FirstDue: first},
			{Name: "off", Host: "https://off.example", Enabled: true, FirstDue: first}}); err != nil {
			t.Fatal(err)
		}
		// Scheduled again (a replica starting): a due time stays, a
		// disabled feed loses its own, a new one gets one.
		if err := s.ScheduleFeeds(ctx, []FeedSchedule{{Name: "on", Host: "https://on.example", Enabled: true, FirstDue: later},
			{Name: "off", Host: "https://off.example", Enabled: false, FirstDue: later},
			{Name: "new", Host: "https://new.example", Enabled: true, FirstDue: later}}); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]time.Time{"on": first, "off": {}, "new": later} {
			if got := feedNamed(t, s, name).DueAt; !got.Equal(want) {
				t.Errorf("%s due %v, want %v", name, got, want)
			}
		}
		if got := claim(t, s, "r", later.Add(time.Hour), 10, 10); !reflect.DeepEqual(got, []string{"new", "on"}) {
			t.Errorf("claimed %v: a disabled feed is never due", got)
		}
	})
}

func TestSaveFeedPolledBy(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		syncFeeds(t, s, "a")
		f := feedNamed(t, s, "a")
		f.PolledBy = "host-1:4242:ab12"
		if err := s.SaveFeed(context.Background(), f); err != nil {
			t.Fatal(err)
		}
		if got := feedNamed(t, s, "a").PolledBy; got != f.PolledBy {
			t.Errorf("PolledBy = %q, want %q", got, f.PolledBy)
		}
	})
}

// TestLeases: a lease is one holder's until it ends or is given up;
// renewing keeps it, and its Since, for the holder.
func TestLeases(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		a, b := db.open(t), db.open(t)
		ctx := context.Background()
		acquire := func(s *Store, holder string, at time.Duration) bool {
			t.Helper()
			ok, err := s.AcquireLease(ctx, "dispatch", holder, testTime.Add(at), 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !acquire(a, "r1", 0) {
			t.Fatal("a free lease was not taken")
		}
		if acquire(b, "r2", 5*time.Second) {
			t.Error("r2 took r1's live lease")
		}
		if !acquire(a, "r1", 8*time.Second) {
			t.Error("r1 could not renew its lease")
		}
		if acquire(b, "r2", 15*time.Second) {
			t.Error("r2 took r1's renewed lease")
		}
		if !acquire(b, "r2", 18*time.Second) {
			t.Error("r2 could not take a lease that ended")
		}
		leases, err := a.Leases(ctx)
		want := []Lease{{Name: "dispatch", Holder: "r2", Since: testTime.Add(18 * time.Second).Truncate(time.Millisecond),
			Expires: testTime.Add(28 * time.Second).Truncate(time.Millisecond)}}
		if err != nil || !reflect.DeepEqual(leases, want) {
			t.Errorf("Leases = %+v, %v; want %+v", leases, err, want)
		}
		if err := a.ReleaseLease(ctx, "dispatch", "r1"); err != nil {
			t.Fatal(err)
		}
		if acquire(a, "r1", 19*time.Second) {
			t.Error("r1 released r2's lease")
		}
		if err := b.ReleaseLease(ctx, "dispatch", "r2"); err != nil {
			t.Fatal(err)
		}
		if !acquire(a, "r1", 19*time.Second) {
			t.Error("a released lease was not free")
		}
	})
}

// TestRenewLeases: one statement renews a holder's live leases of a
// prefix, and none of another holder, another prefix, or that ended.
func TestRenewLeases(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, l := range []struct {
			name, holder string
			ttl          time.Duration
		}{
			{"dispatch/slack/#a", "r1", 10 * time.Second},
			{"dispatch/slack/#b", "r1", 10 * time.Second},
			{"dispatch/slack/#c", "r2", 10 * time.Second},
			{"dispatch/hook/", "r1", time.Second},
			{"dispatch0", "r1", 10 * time.Second},
			{"retention", "r1", 10 * time.Second},
		} {
			if ok, err := s.AcquireLease(ctx, l.name, l.holder, testTime, l.ttl); err != nil || !ok {
				t.Fatalf("AcquireLease(%s) = %v, %v", l.name, ok, err)
			}
		}
		got, err := s.RenewLeases(ctx, "r1", "dispatch/", testTime.Add(5*time.Second), 10*time.Second)
		if want := []string{"dispatch/slack/#a", "dispatch/slack/#b"}; err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("RenewLeases = %q, %v; want %q", got, err, want)
		}
		leases, err := s.Leases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leases {
			want := testTime.Add(10 * time.Second)
			if l.Name == "dispatch/slack/#a" || l.Name == "dispatch/slack/#b" {
				want = testTime.Add(15 * time.Second)
			} else if l.Name == "dispatch/hook/" {
				want = testTime.Add(time.Second)
			}
			if want = want.Truncate(time.Millisecond); !l.Expires.Equal(want) {
				t.Errorf("lease %s expires %v, want %v", l.Name, l.Expires, want)
			}
		}
		if _, err := s.RenewLeases(ctx, "r1", "", testTime, time.Second); err == nil {
			t.Error("RenewLeases with an empty prefix did not fail")
		}
	})
}

// TestLeaseRace: replicas taking a free lease at once: one gets it.
func TestLeaseRace(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		stores := []*Store{db.open(t), db.open(t), db.open(t), db.open(t)}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			holders []string
		)
		for i, s := range stores {
			wg.Go(func() {
				holder := fmt.Sprint("r", i)
				ok, err := s.AcquireLease(context.Background(), "retention", holder, testTime, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					holders = append(holders, holder)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(holders) != 1 {
			t.Errorf("holders %v, want one", holders)
		}
	})
}

func TestReplicas(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := testTime.Truncate(time.Millisecond)
		r1 := Replica{ID: "a:1:x", Hostname: "a", PID: 1, Version: "v1", ConfigHash: "c1", RulesHash: "r1", StartedAt: at, SeenAt: at}
		r2 := Replica{ID: "b:2:y", Hostname: "b", PID: 2, Version: "v1", ConfigHash: "c1", RulesHash: "r2", StartedAt: at.Add(time.Minute), SeenAt: at.Add(time.Minute)}
		old := Replica{ID: "c:3:z", StartedAt: at.Add(-48 * time.Hour), SeenAt: at.Add(-48 * time.Hour)}
		for _, r := range []Replica{old, r1, r2} {
			if err := s.Heartbeat(ctx, r, at.Add(-24*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		r1.SeenAt, r1.RulesHash = at.Add(2*time.Minute), "r2"
		if err := s.Heartbeat(ctx, r1, at.Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.ReplicaStopped(ctx, r2.ID, at.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		r2.StoppedAt = at.Add(3 * time.Minute)
		got, err := s.Replicas(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []Replica{r2, r1}; !reflect.DeepEqual(got, want) {
			t.Errorf("Replicas =\n%+v\nwant (the old one forgotten)\n%+v", got, want)
		}
		if !slices.ContainsFunc(got, func(r Replica) bool { return r.ID == r1.ID && r.RulesHash == "r2" }) {
			t.Error("a heartbeat did not record the new rules hash")
		}
	})
}
