// Package replica is this newswatch process as one of several replicas
// sharing a PostgreSQL database: its name, its heartbeat (with hashes of
// its configuration and rules, so that replicas that disagree show), and
// the work that one replica at a time does, under a lease in the database
// that moves to another replica when its holder dies (Singleton).
//
// It holds no consensus of its own: the leases are rows that the database
// lets one holder write at a time (store.AcquireLease).
package replica

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/store"
)

// Store is what a Member needs of the database; *store.Store has it.
type Store interface {
	Heartbeat(ctx context.Context, r store.Replica, forgetBefore time.Time) error
	ReplicaStopped(ctx context.Context, id string, at time.Time) error
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	Replicas(ctx context.Context) ([]store.Replica, error)
}

// forgetAfter is how long a replica that stopped beating stays listed.
const forgetAfter = 24 * time.Hour

// Member is this process among the replicas. Set the fields, then run Run
// for the heartbeat and Singleton for each piece of work one replica at a
// time does.
type Member struct {
	// Store is the shared database; required.
	Store Store
	// ID names the replica: NewID's, unique to this run of the process.
	ID string
	// Version is the build, for the status page.
	Version string
	// ConfigHash and RulesHash, called at each heartbeat, identify the
	// configuration and the rules in force (both change on a reload);
	// nil records "".
	ConfigHash, RulesHash func() string
	// Lease is how long a lease, and a claim on a feed, holds unless
	// renewed (store.lease); required. Leases are renewed, and the
	// heartbeat beats, every third of it.
	Lease time.Duration
	// Log receives lease changes and failures; nil discards them.
	Log *slog.Logger
	// Now is the clock (time.Now).
	Now func() time.Time

	started time.Time
	once    sync.Once
	mu      sync.Mutex
	held    map[string]time.Time // leases held, by name: since when
	// differ is what the last look at the other replicas found (see
	// compare), to log a change once.
	differ string
}

// NewID returns a name for this run of the process: the host name, the
// process ID and a random suffix, so that a replica restarted with the
// same PID is still a new one.
func NewID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

func (m *Member) init() {
	m.once.Do(func() {
		m.started = m.now()
		m.held = map[string]time.Time{}
	})
}

// Run beats every third of Lease until ctx is done, then records that the
// replica stopped. A failed beat is logged and tried again.
func (m *Member) Run(ctx context.Context) error {
	if err := m.check(); err != nil {
		return err
	}
	m.init()
	ticker := time.NewTicker(m.Lease / 3)
	defer ticker.Stop()
	for {
		if err := m.beat(ctx); err != nil && ctx.Err() == nil {
			m.log().Warn("replica heartbeat failed; trying again", "replica", m.ID, "error", err)
		} else if err == nil {
			m.compare(ctx)
		}
		select {
		case <-ctx.Done():
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := m.Store.ReplicaStopped(stopCtx, m.ID, m.now()); err != nil {
				m.log().Warn("recording the replica's stop failed", "replica", m.ID, "error", err)
			}
			return nil
		case <-ticker.C:
		}
	}
}

// beat records the replica as alive now.
func (m *Member) beat(ctx context.Context) error {
	hostname, _ := os.Hostname()
	now := m.now()
	return m.Store.Heartbeat(ctx, store.Replica{ID: m.ID, Hostname: hostname, PID: os.Getpid(), Version: m.Version,
		ConfigHash: call(m.ConfigHash), RulesHash: call(m.RulesHash), StartedAt: m.started, SeenAt: now}, now.Add(-forgetAfter))
}

// compare reads the replicas alive now and logs, once each time it
// changes, whether any of them runs another configuration or other rules
// than this one (their hashes differ): a warning naming them, then a note
// when they agree again.
func (m *Member) compare(ctx context.Context) {
	replicas, err := m.Store.Replicas(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.log().Warn("reading the replicas failed", "replica", m.ID, "error", err)
		}
		return
	}
	config, rules := call(m.ConfigHash), call(m.RulesHash)
	var others []string
	for _, r := range replicas {
		if r.ID == m.ID || !alive(r, m.now(), m.Lease) || (r.ConfigHash == config && r.RulesHash == rules) {
			continue
		}
		others = append(others, fmt.Sprintf("%s (configuration %s, rules %s)", r.ID, orNone(r.ConfigHash), orNone(r.RulesHash)))
	}
	differ := strings.Join(others, ", ")
	if differ == m.differ {
		return
	}
	m.differ = differ
	if differ == "" {
		m.log().Info("replicas agree again: every replica alive runs this configuration and these rules", "replica", m.ID)
		return
	}
	m.log().Warn("replicas run different configurations or rules: edit the files on every machine alike",
		"replica", m.ID, "config_hash", orNone(config), "rules_hash", orNone(rules), "others", differ)
}

// alive reports whether replica r beats at now: seen within lease (it
// beats every third of it), and not stopped.
func alive(r store.Replica, now time.Time, lease time.Duration) bool {
	return r.StoppedAt.IsZero() && now.Sub(r.SeenAt) < lease
}

func orNone(hash string) string {
	if hash == "" {
		return "none"
	}
	return hash
}

// call returns fn(), or "" when fn is nil.
func call(fn func() string) string {
	if fn == nil {
		return ""
	}
	return fn()
}

// Holds reports whether this replica holds the lease name now.
func (m *Member) Holds(name string) bool {
	m.init()
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.held[name]
	return ok
}

// Held returns the leases this replica holds, by name, with since when.
func (m *Member) Held() map[string]time.Time {
	m.init()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]time.Time, len(m.held))
	for k, v := range m.held {
		out[k] = v
	}
	return out
}

// errLeaseLost ends a job whose lease this replica lost.
var errLeaseLost = errors.New("replica: the lease was lost")

// Singleton runs job whenever this replica holds the lease name, until
// ctx is done: it takes the lease when it is free (trying every third of
// Lease), runs job with a context that ends when the lease is lost, renews
// the lease every third of Lease while job runs, and gives it up when job
// returns or ctx is done. The lease counts as lost when a renewal is
// refused (another replica took it), or when renewals have failed (the
// database is out of reach) for so long that the lease may have ended:
// job's context then ends a fifth of Lease before the lease would, so that
// another replica never works beside this one.
//
// Singleton returns nil when ctx is done, and job's error when job fails
// while the lease is held.
func (m *Member) Singleton(ctx context.Context, name string, job func(ctx context.Context) error) error {
	if err := m.check(); err != nil {
		return err
	}
	m.init()
	every := m.Lease / 3
	margin := m.Lease / 5
	for {
		// Take the lease.
		var validUntil time.Time
		for {
			start := time.Now()
			ok, err := m.Store.AcquireLease(ctx, name, m.ID, m.now(), m.Lease)
			if err != nil && ctx.Err() == nil {
				m.log().Warn("taking a lease failed; trying again", "lease", name, "replica", m.ID, "error", err)
			}
			if ok {
				validUntil = start.Add(m.Lease - margin)
				break
			}
			if !sleep(ctx, every) {
				return nil
			}
		}
		m.setHeld(name, true)
		m.log().Info("lease taken: this replica does the work now", "lease", name, "replica", m.ID)

		jobCtx, cancel := context.WithCancelCause(ctx)
		done := make(chan error, 1)
		go func() { done <- job(jobCtx) }()
		ticker := time.NewTicker(every)
		// The job stops when the lease may end without a renewal, whether
		// renewals hang or fail at once: the tick after a failed renewal
		// can come after the lease has ended.
		expiry := time.NewTimer(time.Until(validUntil))
		lost := false
		var jobErr error
	held:
		for {
			select {
			case jobErr = <-done:
				break held
			case <-expiry.C:
				lost = true
				cancel(errLeaseLost)
				jobErr = <-done
				break held
			case <-ticker.C:
				// A renewal that has not come back by the time the lease
				// may end is a lost lease (the database is out of reach).
				start := time.Now()
				renewCtx, renewCancel := context.WithDeadline(ctx, validUntil)
				ok, err := m.Store.AcquireLease(renewCtx, name, m.ID, m.now(), m.Lease)
				renewCancel()
				switch {
				case err == nil && ok:
					validUntil = start.Add(m.Lease - margin)
					expiry.Reset(time.Until(validUntil))
				case err == nil:
					lost = true
				case ctx.Err() == nil:
					m.log().Warn("renewing a lease failed; trying again", "lease", name, "replica", m.ID, "error", err)
				}
				if lost || time.Now().After(validUntil) {
					lost = true
					cancel(errLeaseLost)
					jobErr = <-done
					break held
				}
			}
		}
		ticker.Stop()
		expiry.Stop()
		cancel(nil)
		m.setHeld(name, false)
		if !lost {
			// Given up on purpose: another replica may take it at once.
			relCtx, relCancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := m.Store.ReleaseLease(relCtx, name, m.ID); err != nil {
				m.log().Warn("giving up a lease failed; it ends by itself", "lease", name, "replica", m.ID, "error", err)
			}
			relCancel()
		}
		switch {
		case ctx.Err() != nil:
			return nil
		case lost:
			m.log().Warn("lease lost: another replica does the work now", "lease", name, "replica", m.ID)
			continue
		case jobErr != nil:
			return jobErr
		default:
			return fmt.Errorf("replica: %s stopped unexpectedly", name)
		}
	}
}

func (m *Member) setHeld(name string, on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if on {
		m.held[name] = m.now()
	} else {
		delete(m.held, name)
	}
}

func (m *Member) check() error {
	if m.Store == nil || m.ID == "" || m.Lease <= 0 {
		return fmt.Errorf("replica: Member needs a Store, an ID and a Lease (%q, %s)", m.ID, m.Lease)
	}
	return nil
}

func (m *Member) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Member) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.New(slog.DiscardHandler)
}

// sleep waits for d or until ctx is done, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
