package replica

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// cutOff is a LeaseStore that loses the database on demand: renewals then
// fail, as they do on the far side of a network partition.
type cutOff struct {
	LeaseStore
	off atomic.Bool
}

func (c *cutOff) RenewLeases(ctx context.Context, holder, prefix string, now time.Time, ttl time.Duration) ([]string, error) {
	if c.off.Load() {
		return nil, context.DeadlineExceeded
	}
	return c.LeaseStore.RenewLeases(ctx, holder, prefix, now, ttl)
}

// TestLeases: a lease taken on demand is one replica's while Keep renews
// it, another's at once after Keep stops, and given up by a replica that
// cannot renew it before it could end.
func TestLeases(t *testing.T) {
	for engine, open := range openers(t) {
		t.Run(engine, func(t *testing.T) {
			const lease = 600 * time.Millisecond
			st := open(t)
			a := &Leases{Store: &cutOff{LeaseStore: st}, Holder: "a", Prefix: "dispatch/", Lease: lease}
			b := &Leases{Store: st, Holder: "b", Prefix: "dispatch/", Lease: lease}
			ctx := context.Background()
			take := func(l *Leases, name string) bool {
				t.Helper()
				_, ok, err := l.Take(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				return ok
			}
			if !take(a, "slack/#a") || !take(b, "slack/#b") {
				t.Fatal("free leases were not taken")
			}
			if take(b, "slack/#a") {
				t.Fatal("b took a's lease")
			}
			keepCtx, stopKeeping := context.WithCancel(ctx)
			kept := make(chan struct{})
			go func() {
				defer close(kept)
				a.Keep(keepCtx)
			}()
			// Renewed past its first end, it stays a's.
			end := time.Now().Add(2 * lease)
			for time.Now().Before(end) {
				if take(b, "slack/#a") {
					t.Fatal("b took a lease that a renews")
				}
				if a.Until("slack/#a").IsZero() {
					t.Fatal("a lost a lease it renews")
				}
				time.Sleep(lease / 10)
			}
			stopKeeping()
			<-kept
			if !a.Until("slack/#a").IsZero() {
				t.Error("a still holds a lease it gave up")
			}
			if !take(b, "slack/#a") {
				t.Error("b could not take a lease a gave up")
			}

			// Cut off from the database, a stops counting on its lease
			// before it could end, and b takes it after.
			c := &Leases{Store: a.Store, Holder: "a", Prefix: "dispatch/", Lease: lease}
			if !take(c, "slack/#c") {
				t.Fatal("a free lease was not taken")
			}
			until := c.Until("slack/#c")
			all, err := st.Leases(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range all {
				if l.Name == "dispatch/slack/#c" && !until.Add(lease/10).Before(l.Expires) {
					t.Errorf("a counts on its lease until %s, and it ends at %s: it must stop a fifth of the lease sooner", until, l.Expires)
				}
			}
			a.Store.(*cutOff).off.Store(true)
			keepCtx, stopKeeping = context.WithCancel(ctx)
			defer stopKeeping()
			go c.Keep(keepCtx)
			waitFor(t, "a to give up the lease it cannot renew", func() bool { return c.Until("slack/#c").IsZero() })
			waitFor(t, "b to take the lease a could not renew", func() bool { return take(b, "slack/#c") })
		})
	}
}
