package replica

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// LeaseStore is what Leases needs of the database; *store.Store has it.
type LeaseStore interface {
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	RenewLeases(ctx context.Context, holder, prefix string, now time.Time, ttl time.Duration) ([]string, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Leases are leases taken on demand, many of them, by one replica: those
// of the destinations of the outbox, which every replica may send to but
// one at a time each. Where Singleton runs one job per lease, Leases only
// says whether this replica holds a lease and until when the work under
// it is safe; Keep renews every lease held, in one statement, every third
// of the lease, and gives them all up when it stops.
//
// A lease counts as held until a fifth of the lease before it could end
// (from the start of the statement that took or last renewed it), so that
// a replica that cannot reach the database stops working under it before
// another replica can take it.
type Leases struct {
	// Store is the shared database; required.
	Store LeaseStore
	// Holder names this replica (Member.ID); required.
	Holder string
	// Prefix starts the name of every lease taken: Take(name) takes
	// Prefix+name. It must end in an ASCII character (see
	// store.RenewLeases).
	Prefix string
	// Lease is how long a lease holds unless renewed (store.lease);
	// required.
	Lease time.Duration
	// Log receives lease changes; nil discards them.
	Log *slog.Logger
	// Now is the clock written into the leases (time.Now); the validity
	// of a lease is measured on the real clock, as the work under it is.
	Now func() time.Time

	mu   sync.Mutex
	held map[string]time.Time // by name without Prefix: valid until
}

// Take takes the lease name for this replica, or confirms that it holds
// it, and returns until when the work under it is safe. ok is false when
// another replica holds it. A lease this replica holds is confirmed
// without asking the database.
func (l *Leases) Take(ctx context.Context, name string) (until time.Time, ok bool, err error) {
	if until := l.Until(name); !until.IsZero() {
		return until, true, nil
	}
	start := time.Now()
	ok, err = l.Store.AcquireLease(ctx, l.Prefix+name, l.Holder, l.now(), l.Lease)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	until = start.Add(l.Lease - l.Lease/5)
	l.mu.Lock()
	if l.held == nil {
		l.held = map[string]time.Time{}
	}
	l.held[name] = until
	l.mu.Unlock()
	l.info("lease taken: this replica does the work now", "lease", l.Prefix+name, "replica", l.Holder)
	return until, true, nil
}

// Until returns until when the work under the lease name is safe, or the
// zero time when this replica does not hold it (any more).
func (l *Leases) Until(name string) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	until, ok := l.held[name]
	if !ok {
		return time.Time{}
	}
	if time.Now().After(until) {
		delete(l.held, name)
		return time.Time{}
	}
	return until
}

// Held returns the names of the leases held now, without Prefix.
func (l *Leases) Held() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var names []string
	now := time.Now()
	for name, until := range l.held {
		if now.Before(until) {
			names = append(names, name)
		}
	}
	return names
}

// Keep renews the leases held every third of Lease until ctx is done, then
// gives them up, so that another replica may take them at once. A lease
// the renewal does not find (it ended, and another replica may have it)
// is dropped at once; one that the database could not renew stays held
// until its time runs out.
func (l *Leases) Keep(ctx context.Context) {
	ticker := time.NewTicker(l.Lease / 3)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			l.releaseAll(context.WithoutCancel(ctx))
			return
		case <-ticker.C:
			l.renew(ctx)
		}
	}
}

// renew renews every lease held in one statement.
func (l *Leases) renew(ctx context.Context) {
	// What was held before the statement: a lease taken while it runs
	// is not the statement's to renew, nor to call lost.
	l.mu.Lock()
	before := make(map[string]time.Time, len(l.held))
	for name, until := range l.held {
		before[name] = until
	}
	l.mu.Unlock()
	if len(before) == 0 {
		return
	}
	start := time.Now()
	renewCtx, cancel := context.WithTimeout(ctx, l.Lease/5)
	defer cancel()
	names, err := l.Store.RenewLeases(renewCtx, l.Holder, l.Prefix, l.now(), l.Lease)
	if err != nil {
		if ctx.Err() == nil {
			l.warn("renewing leases failed; trying again", "prefix", l.Prefix, "replica", l.Holder, "error", err)
		}
		return
	}
	renewed := make(map[string]bool, len(names))
	for _, n := range names {
		if len(n) >= len(l.Prefix) && n[:len(l.Prefix)] == l.Prefix {
			renewed[n[len(l.Prefix):]] = true
		}
	}
	until := start.Add(l.Lease - l.Lease/5)
	l.mu.Lock()
	var lost []string
	for name, was := range before {
		switch now, ok := l.held[name]; {
		case !ok || !now.Equal(was):
			// Released or taken again meanwhile.
		case renewed[name]:
			l.held[name] = until
		default:
			delete(l.held, name)
			lost = append(lost, name)
		}
	}
	l.mu.Unlock()
	for _, name := range lost {
		l.warn("lease lost: another replica does the work now", "lease", l.Prefix+name, "replica", l.Holder)
	}
}

// releaseAll gives up every lease held.
func (l *Leases) releaseAll(ctx context.Context) {
	l.mu.Lock()
	held := l.held
	l.held = nil
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for name := range held {
		if err := l.Store.ReleaseLease(ctx, l.Prefix+name, l.Holder); err != nil {
			l.warn("giving up a lease failed; it ends by itself", "lease", l.Prefix+name, "replica", l.Holder, "error", err)
		}
	}
}

func (l *Leases) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Leases) info(msg string, args ...any) {
	if l.Log != nil {
		l.Log.Info(msg, args...)
	}
}

func (l *Leases) warn(msg string, args ...any) {
	if l.Log != nil {
		l.Log.Warn(msg, args...)
	}
}
