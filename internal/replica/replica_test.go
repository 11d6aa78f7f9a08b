package replica

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/logtest"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/internal/store/pgtest"
)

// openers returns, per engine, a function that opens stores on one new
// database (one per replica).
func openers(t *testing.T) map[string]func(t *testing.T) *store.Store {
	return map[string]func(t *testing.T) *store.Store{
		"sqlite": func(t *testing.T) *store.Store {
			path := filepath.Join(t.TempDir(), "newswatch.db")
			return open(t, func(ctx context.Context) (*store.Store, error) { return store.Open(ctx, path) })
		},
		"postgres": func(t *testing.T) *store.Store {
			dsn := pgtest.DSN(t)
			return open(t, func(ctx context.Context) (*store.Store, error) { return store.OpenPostgres(ctx, dsn) })
		},
	}
}

func open(t *testing.T, fn func(context.Context) (*store.Store, error)) *store.Store {
	t.Helper()
	st, err := fn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// dying is a Store whose replica dies: once dead, it writes nothing, not
// even the release of its leases, as a process killed with SIGKILL.
type dying struct {
	Store
	dead atomic.Bool
	// refuses makes a dead store fail at once, as a database that refuses
	// connections does; otherwise its calls hang until their context ends.
	refuses bool
}

// errRefused is a dead store's answer when it refuses.
var errRefused = errors.New("connection refused")

func (d *dying) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if d.dead.Load() {
		if d.refuses {
			return false, errRefused
		}
		<-ctx.Done()
		return false, ctx.Err()
	}
	return d.Store.AcquireLease(ctx, name, holder, now, ttl)
}

func (d *dying) ReleaseLease(ctx context.Context, name, holder string) error {
	if d.dead.Load() {
		return nil
	}
	return d.Store.ReleaseLease(ctx, name, holder)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSingleton: of replicas running one job, one at a time runs it; when
// it stops cleanly another takes over; when it dies another takes over
// after the lease.
func TestSingleton(t *testing.T) {
	for engine, openStore := range openers(t) {
		for _, refuses := range []bool{false, true} {
			name := engine + "/store_hangs"
			if refuses {
				name = engine + "/store_refuses"
			}
			t.Run(name, func(t *testing.T) {
				if engine == "postgres" {
					pgtest.Require(t)
				}
				testSingleton(t, openStore(t), refuses)
			})
		}
	}
}

// leaseHeld reports whether holder held the lease name in st at the
// time at (the lease is read after it).
func leaseHeld(t *testing.T, st *store.Store, name, holder string, at time.Time) bool {
	leases, err := st.Leases(context.Background())
	if err != nil {
		t.Error(err)
		return false
	}
	for _, l := range leases {
		if l.Name == name {
			return l.Holder == holder && at.Before(l.Expires)
		}
	}
	return false
}

func testSingleton(t *testing.T, first *store.Store, refuses bool) {
	const lease = 600 * time.Millisecond
	var (
		running  atomic.Int32 // jobs running now
		overlaps atomic.Int32
		late     atomic.Int32 // jobs that ran on past the end of their lease
		ran      sync.Map     // replica → true
	)
	job := func(id string) func(context.Context) error {
		return func(ctx context.Context) error {
			if running.Add(1) > 1 {
				overlaps.Add(1)
			}
			ran.Store(id, true)
			<-ctx.Done()
			stopped := time.Now()
			// A job stops while its lease still holds: a fifth of the
			// lease before it could end, however the database fails.
			// The lease is compared with the moment the job was told
			// to stop, not with the end of the query that reads it,
			// which a loaded machine may delay past the margin.
			if !leaseHeld(t, first, "dispatch", id, stopped) {
				late.Add(1)
			}
			running.Add(-1)
			return nil
		}
	}
	type replica struct {
		m      *Member
		st     *dying
		cancel context.CancelFunc
		done   chan error
	}
	start := func(id string) *replica {
		d := &dying{Store: first, refuses: refuses}
		m := &Member{Store: d, ID: id, Lease: lease}
		ctx, cancel := context.WithCancel(context.Background())
		r := &replica{m: m, st: d, cancel: cancel, done: make(chan error, 1)}
		go func() { r.done <- m.Singleton(ctx, "dispatch", job(id)) }()
		return r
	}
	a := start("a")
	waitFor(t, "a to hold the lease", func() bool { _, ok := ran.Load("a"); return ok })
	b := start("b")
	c := start("c")

	// a stops cleanly: b or c takes over.
	a.cancel()
	if err := <-a.done; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "another replica to take over", func() bool {
		_, okB := ran.Load("b")
		_, okC := ran.Load("c")
		return okB || okC
	})
	holder, other := b, c
	if _, ok := ran.Load("c"); ok {
		holder, other = c, b
	}
	if _, ok := holder.m.Held()["dispatch"]; !ok {
		t.Errorf("%s runs the job but does not say it holds the lease", holder.m.ID)
	}
	// The holder dies: the other takes over once the lease ends.
	holder.st.dead.Store(true)
	waitFor(t, "the last replica to take over from a dead one", func() bool { _, ok := ran.Load(other.m.ID); return ok })
	holder.cancel()
	<-holder.done
	other.cancel()
	if err := <-other.done; err != nil {
		t.Fatal(err)
	}
	if n := overlaps.Load(); n > 0 {
		t.Errorf("the job ran on two replicas at once %d times", n)
	}
	if n := late.Load(); n > 0 {
		t.Errorf("the job ran on past the end of its lease %d times", n)
	}
}

func TestHeartbeat(t *testing.T) {
	for engine, openStore := range openers(t) {
		t.Run(engine, func(t *testing.T) {
			if engine == "postgres" {
				pgtest.Require(t)
			}
			st := openStore(t)
			m := &Member{Store: st, ID: NewID(), Version: "v1", ConfigHash: func() string { return "cfg" }, RulesHash: func() string { return "rules" }, Lease: time.Minute}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx) }()
			waitFor(t, "the first heartbeat", func() bool {
				rs, err := st.Replicas(context.Background())
				return err == nil && len(rs) == 1
			})
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			rs, err := st.Replicas(context.Background())
			if err != nil || len(rs) != 1 {
				t.Fatalf("Replicas = %v, %v", rs, err)
			}
			r := rs[0]
			if r.ID != m.ID || r.ConfigHash != "cfg" || r.RulesHash != "rules" || r.Version != "v1" || r.PID == 0 || r.StoppedAt.IsZero() {
				t.Errorf("replica recorded as %+v", r)
			}
		})
	}
}

// TestDisagreementLogged: a replica warns, once, when another replica
// alive runs other rules, and says when they agree again.
func TestDisagreementLogged(t *testing.T) {
	for engine, openStore := range openers(t) {
		t.Run(engine, func(t *testing.T) {
			st := openStore(t)
			var logs logtest.Buffer
			var rulesB atomic.Value
			rulesB.Store("r2")
			a := &Member{Store: st, ID: "a", ConfigHash: func() string { return "c1" }, RulesHash: func() string { return "r1" },
				Lease: 300 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&logs, nil))}
			b := &Member{Store: st, ID: "b", ConfigHash: func() string { return "c1" }, RulesHash: func() string { return rulesB.Load().(string) },
				Lease: 300 * time.Millisecond}
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for _, m := range []*Member{a, b} {
				wg.Go(func() { m.Run(ctx) })
			}
			defer wg.Wait()
			defer cancel()
			waitFor(t, "a warning", func() bool { return strings.Contains(logs.String(), "replicas run different") })
			if !strings.Contains(logs.String(), `others="b (configuration c1, rules r2)"`) {
				t.Errorf("the warning does not name the other replica and its hashes:\n%s", logs.String())
			}
			rulesB.Store("r1")
			waitFor(t, "a note that they agree", func() bool { return strings.Contains(logs.String(), "replicas agree again") })
			if n := strings.Count(logs.String(), "replicas run different"); n != 1 {
				t.Errorf("warned %d times, want once:\n%s", n, logs.String())
			}
		})
	}
}
