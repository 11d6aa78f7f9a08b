package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
)

// sink is a Notifier that accepts every message at once and counts them:
// what a benchmark of the Dispatcher's own work sends to.
type sink struct {
	name string
	sent atomic.Int64
}

func (s *sink) Name() string { return s.name }

func (s *sink) Notify(_ context.Context, m *notify.Message) (notify.Receipt, bool, error) {
	n := s.sent.Add(1)
	return notify.Receipt{RemoteID: fmt.Sprintf("1800000000.%06d", n), Channel: "C" + m.Channel}, false, nil
}

func (s *sink) ResolveChannel(channel string) string { return channel }

// BenchmarkDrain drains a backlog of 1,000 alerts (ten rules, four
// channels, a fifth of them later reports of a story) through a notifier
// that accepts everything: the Dispatcher's reads, planning, queues and
// delivery records, with the store's costs, per alert.
func BenchmarkDrain(b *testing.B) {
	st, _ := openStoreB(b)
	benchDrain(b, st, func(n int) { queueBacklog(b, st, n) })
}

// BenchmarkDispatch is BenchmarkDrain with the outbox in memory: the
// Dispatcher's own work per alert (reading, planning, queueing, building
// messages, recording), without SQLite's.
func BenchmarkDispatch(b *testing.B) {
	mem := &memOutbox{}
	benchDrain(b, mem, mem.backlog)
}

// benchDrain has queue put a backlog of 1,000 alerts in out, untimed, and
// drains it, b.N times.
func benchDrain(b *testing.B, out notify.Outbox, queue func(n int)) {
	ctx := context.Background()
	d := &notify.Dispatcher{
		Store:         out,
		Notifiers:     []notify.Settings{{Notifier: &sink{name: "slack"}, StoryUpdates: followup.Thread}},
		FoldThreshold: -1,
		Location:      time.UTC,
		Log:           slog.New(slog.DiscardHandler),
		Now:           func() time.Time { return t0 },
	}
	const alerts = 1000
	for b.Loop() {
		b.StopTimer()
		queue(alerts)
		b.StartTimer()
		undelivered, err := d.Drain(ctx, t0)
		if err != nil || undelivered != 0 {
			b.Fatalf("Drain: %d undelivered, %v", undelivered, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*alerts), "ns/alert")
}

// queueBacklog enqueues n alerts: per story, a first alert and, after it,
// later reports of the story.
func queueBacklog(b *testing.B, st *store.Store, n int) {
	b.Helper()
	tx, err := st.Begin(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	var head *model.Alert
	for i := range n {
		a := testAlert(i, fmt.Sprintf("rule-%d", i%10), "slack", fmt.Sprintf("#desk-%d", i%4))
		if i%5 != 0 {
			s := &store.Story{Title: a.Title, CreatedAt: t0}
			if err := tx.NewStory(s); err != nil {
				b.Fatal(err)
			}
			a.StoryID = s.ID
			head = a
		} else if head != nil {
			a.Rule, a.Channel = head.Rule, head.Channel
			a.Kind, a.ParentID, a.StoryID = model.KindAlso, head.ID, head.StoryID
		}
		if err := tx.Enqueue(a); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

func openStoreB(b *testing.B) (*store.Store, string) {
	b.Helper()
	path := b.TempDir() + "/newswatch.db"
	st, err := store.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, path
}

// memOutbox is an Outbox in memory with the store's semantics for what
// BenchmarkDispatch queues: due alerts, follow-ups held until their
// parent is no longer queued.
type memOutbox struct {
	mu     sync.Mutex
	alerts []*model.Alert // by ID - 1
}

// backlog replaces the outbox's alerts with n queued ones shaped as
// queueBacklog's, numbered from 1.
func (m *memOutbox) backlog(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.alerts = m.alerts[:0]
	var head *model.Alert
	for i := range n {
		a := testAlert(i, fmt.Sprintf("rule-%d", i%10), "slack", fmt.Sprintf("#desk-%d", i%4))
		a.ID, a.Status, a.NextAttemptAt, a.QueuedAt = int64(i)+1, model.StatusQueued, t0, t0
		if i%5 != 0 {
			a.StoryID = a.ID
			head = a
		} else if head != nil {
			a.Rule, a.Channel = head.Rule, head.Channel
			a.Kind, a.ParentID, a.StoryID = model.KindAlso, head.ID, head.StoryID
		}
		m.alerts = append(m.alerts, a)
	}
}

// due returns a copy of a with its parent's state when it is due at now.
// Called with m.mu held.
func (m *memOutbox) due(a *model.Alert, now time.Time) *model.Alert {
	if a.Status != model.StatusQueued || a.NextAttemptAt.After(now) || a.Digest {
		return nil
	}
	c := *a
	if a.ParentID != 0 {
		p := m.alerts[a.ParentID-1]
		if p.Status == model.StatusQueued {
			return nil
		}
		c.Parent = &model.ParentState{Status: p.Status, Title: p.Title, RemoteID: p.RemoteID, RemoteChannel: p.RemoteChannel}
	}
	return &c
}

func (m *memOutbox) DueAlertsAfter(_ context.Context, now time.Time, after int64, limit int) ([]*model.Alert, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	top := int64(len(m.alerts))
	var out []*model.Alert
	for id := after + 1; id <= top; id++ {
		if c := m.due(m.alerts[id-1], now); c != nil {
			out = append(out, c)
			if limit > 0 && len(out) == limit {
				return out, id, nil
			}
		}
	}
	return out, max(top, after), nil
}

func (m *memOutbox) DueAlertIDs(_ context.Context, since, now time.Time) ([]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []int64
	for _, a := range m.alerts {
		if c := m.due(a, now); c != nil && (since.IsZero() || a.NextAttemptAt.After(since)) {
			ids = append(ids, a.ID)
		}
	}
	return ids, nil
}

func (m *memOutbox) DueAlertsIn(_ context.Context, now time.Time, ids []int64) ([]*model.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*model.Alert
	for _, id := range ids {
		if c := m.due(m.alerts[id-1], now); c != nil {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *memOutbox) AlertsIn(_ context.Context, ids []int64) ([]*model.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*model.Alert, 0, len(ids))
	for _, id := range ids {
		c := *m.alerts[id-1]
		out = append(out, &c)
	}
	return out, nil
}

func (m *memOutbox) DueFollowUps(_ context.Context, now time.Time, parents []int64) ([]*model.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	want := make(map[int64]bool, len(parents))
	for _, p := range parents {
		want[p] = true
	}
	var out []*model.Alert
	for _, a := range m.alerts {
		if want[a.ParentID] {
			if c := m.due(a, now); c != nil {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

func (m *memOutbox) DigestRules(context.Context) ([]string, error)                 { return nil, nil }
func (m *memOutbox) PendingDigest(context.Context, string) ([]*model.Alert, error) { return nil, nil }

func (m *memOutbox) MarkDelivered(ctx context.Context, id int64, at time.Time, remoteID, remoteChannel string) error {
	return m.MarkDeliveredMany(ctx, []int64{id}, at, remoteID, remoteChannel)
}

func (m *memOutbox) MarkDeliveredMany(_ context.Context, ids []int64, at time.Time, remoteID, remoteChannel string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		a := m.alerts[id-1]
		a.Status, a.DeliveredAt, a.RemoteID, a.RemoteChannel = model.StatusDelivered, at, remoteID, remoteChannel
	}
	return nil
}

func (m *memOutbox) MarkRetry(_ context.Context, id int64, next time.Time, errMsg string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.alerts[id-1]
	a.Attempts++
	a.NextAttemptAt, a.LastError = next, errMsg
	return nil
}

func (m *memOutbox) MarkDead(_ context.Context, id int64, at time.Time, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.alerts[id-1]
	a.Status, a.DeadAt, a.LastError = model.StatusDead, at, reason
	return nil
}

func (m *memOutbox) MarkFailed(ctx context.Context, id int64, at time.Time, reason string) error {
	m.mu.Lock()
	m.alerts[id-1].Attempts++
	m.mu.Unlock()
	return m.MarkDead(ctx, id, at, reason)
}

func (m *memOutbox) Alerts(_ context.Context, f store.AlertFilter) ([]*model.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*model.Alert
	for _, a := range m.alerts {
		if f.Status == "" || a.Status == f.Status {
			c := *a
			out = append(out, &c)
		}
	}
	return out, nil
}
