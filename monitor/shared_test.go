package monitor

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/internal/store/pgtest"
)

// countingHosts are feed servers (hosts) that count each feed's requests
// and the most requests one host had in flight at once. A request is held
// a little, so that polls of one host overlap if the limits let them.
type countingHosts struct {
	mu       sync.Mutex
	servers  []*httptest.Server
	requests map[string]int // by path
	inFlight map[int]int    // by host
	maxIn    map[int]int
}

func newCountingHosts(t *testing.T, hosts int) *countingHosts {
	c := &countingHosts{requests: map[string]int{}, inFlight: map[int]int{}, maxIn: map[int]int{}}
	for h := range hosts {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.mu.Lock()
			c.requests[r.URL.Path]++
			c.inFlight[h]++
			c.maxIn[h] = max(c.maxIn[h], c.inFlight[h])
			c.mu.Unlock()
			select { // overlap with the host's other requests, if allowed
			case <-time.After(20 * time.Millisecond):
			case <-r.Context().Done():
			}
			c.mu.Lock()
			c.inFlight[h]--
			c.mu.Unlock()
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, rssDoc(testItem{GUID: r.URL.Path, Title: "Item of " + r.URL.Path, Link: "https://news.example" + r.URL.Path, Published: t0}))
		}))
		t.Cleanup(srv.Close)
		c.servers = append(c.servers, srv)
	}
	return c
}

func (c *countingHosts) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests[path]
}

// openShared returns a function opening stores on one new database of
// engine, for the replicas of a test.
func openShared(t *testing.T, engine string) func() *store.Store {
	t.Helper()
	var open func(context.Context) (*store.Store, error)
	if engine == "postgres" {
		dsn := pgtest.DSN(t)
		open = func(ctx context.Context) (*store.Store, error) { return store.OpenPostgres(ctx, dsn) }
	} else {
		path := filepath.Join(t.TempDir(), "newswatch.db")
		open = func(ctx context.Context) (*store.Store, error) { return store.Open(ctx, path) }
	}
	return func() *store.Store {
		st, err := open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}

// TestSharedSchedulers: replicas sharing a database poll each due feed
// once between them, keep to the limit per host across the cluster, say
// which of them polled a feed, and poll the feeds a dead replica had
// claimed once its claims have ended.
func TestSharedSchedulers(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			open := openShared(t, engine)
			hosts := newCountingHosts(t, 3)
			var feeds []model.Feed
			for i := range 30 {
				srv := hosts.servers[i%len(hosts.servers)]
				feeds = append(feeds, model.Feed{Name: fmt.Sprintf("feed-%02d", i), URL: fmt.Sprintf("%s/f%02d", srv.URL, i),
					Enabled: true, Schedule: "@every 1h"})
			}
			first := open()
			if err := first.SyncFeeds(context.Background(), feeds); err != nil {
				t.Fatal(err)
			}
			// A replica claims five feeds and dies before polling them.
			const lease = 2 * time.Second
			sched := &Scheduler{Poller: &Poller{Store: first}, Feeds: feeds}
			prepared, err := sched.prepare(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if err := first.ScheduleFeeds(context.Background(), sched.schedules(prepared, feeds, time.Now().Add(-time.Hour))); err != nil {
				t.Fatal(err)
			}
			dead, err := first.ClaimDueFeeds(context.Background(), "dead", time.Now(), 5, 5, lease)
			if err != nil || len(dead) != 5 {
				t.Fatalf("the dead replica claimed %d feeds (%v), want 5", len(dead), err)
			}

			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for _, name := range []string{"r1", "r2"} {
				s := &Scheduler{Poller: &Poller{Store: open(), Replica: name}, Feeds: feeds,
					Concurrency: 4, PerHost: 2, StartSpread: 100 * time.Millisecond,
					Shared: &Shared{Replica: name, Lease: lease, Idle: 20 * time.Millisecond}}
				wg.Go(func() {
					if err := s.Run(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			waitFor(t, "every feed polled", func() bool {
				for i := range feeds {
					if hosts.count(fmt.Sprintf("/f%02d", i)) == 0 {
						return false
					}
				}
				return true
			})
			// Every poll has let its feed go, due in an hour.
			waitFor(t, "every claim let go", func() bool {
				all, err := first.Feeds(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range all {
					if f.ClaimedBy != "" || f.DueAt.Before(time.Now().Add(30*time.Minute)) {
						return false
					}
				}
				return true
			})
			cancel()
			wg.Wait()

			all, err := first.Feeds(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for i, f := range all {
				if n := hosts.count(fmt.Sprintf("/f%02d", i)); n != 1 {
					t.Errorf("%s fetched %d times, want once", f.Name, n)
				}
				if f.PolledBy != "r1" && f.PolledBy != "r2" { // the dead replica's feeds too
					t.Errorf("%s polled by %q", f.Name, f.PolledBy)
				}
			}
			for h, n := range hosts.maxIn {
				if n > 2 {
					t.Errorf("host %d had %d requests in flight at once, want at most 2 across the replicas", h, n)
				}
			}
		})
	}
}
