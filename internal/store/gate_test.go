package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// waiting returns how many goroutines wait at g with priority p.
func (g *writeGate) waiting(p writePriority) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queues[p])
}

// waitForWaiters polls until n goroutines wait at g with priority p.
func waitForWaiters(t *testing.T, g *writeGate, p writePriority, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for g.waiting(p) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d waiters of priority %d, want %d", g.waiting(p), p, n)
		}
		<-tick.C
	}
}

func TestWriteGateOrder(t *testing.T) {
	var g writeGate
	ctx := context.Background()
	if err := g.lock(ctx, writeNormal); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		order []string
		wg    sync.WaitGroup
	)
	take := func(name string, p writePriority) {
		defer wg.Done()
		if err := g.lock(ctx, p); err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
		g.unlock()
	}
	// Three normal writers queue in turn, then two urgent ones.
	for i, name := range []string{"poll-1", "poll-2", "poll-3"} {
		wg.Add(1)
		go take(name, writeNormal)
		waitForWaiters(t, &g, writeNormal, i+1)
	}
	for i, name := range []string{"record-1", "record-2"} {
		wg.Add(1)
		go take(name, writeUrgent)
		waitForWaiters(t, &g, writeUrgent, i+1)
	}
	g.unlock()
	wg.Wait()
	want := []string{"record-1", "record-2", "poll-1", "poll-2", "poll-3"}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	if g.busy {
		t.Error("the gate is still busy after every writer left")
	}
}

func TestWriteGateGivingUp(t *testing.T) {
	var g writeGate
	if err := g.lock(context.Background(), writeNormal); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.lock(ctx, writeNormal) }()
	waitForWaiters(t, &g, writeNormal, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("lock after its context ended: %v", err)
	}
	if n := g.waiting(writeNormal); n != 0 {
		t.Errorf("%d waiters after the only one gave up", n)
	}
	g.unlock()
	// Free again: the next writer does not wait.
	if err := g.lock(context.Background(), writeNormal); err != nil {
		t.Fatal(err)
	}
	g.unlock()
}

// TestDeliveryRecordGoesBeforeWaitingPolls: a delivery to record waits for
// the transaction under way, not for the polls queued before it.
func TestDeliveryRecordGoesBeforeWaitingPolls(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	a := enqueue(t, s, &model.Alert{Rule: "r", Notifier: "slack", CreatedAt: testTime})[0]
	f := feedNamed(t, s, "a")
	tx := begin(t, s)
	var (
		mu   sync.Mutex
		seen []model.AlertStatus // the alert's status each poll found
		wg   sync.WaitGroup
	)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ptx, err := s.Begin(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			defer ptx.Rollback()
			var status model.AlertStatus
			if err := ptx.tx.QueryRow(`SELECT status FROM alerts WHERE id = ?`, a.ID).Scan(&status); err != nil {
				t.Error(err)
			}
			mu.Lock()
			seen = append(seen, status)
			mu.Unlock()
		}()
		waitForWaiters(t, s.gate, writeNormal, i+1)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.MarkDelivered(ctx, a.ID, testTime, "ts", "C1"); err != nil {
			t.Error(err)
		}
	}()
	waitForWaiters(t, s.gate, writeUrgent, 1)
	if err := tx.SaveFeed(f); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for _, st := range seen {
		if st != model.StatusDelivered {
			t.Fatalf("the polls queued before the record found the alert %v; want it recorded delivered before any of them", seen)
		}
	}
}

// TestCancelledTxGivesTheConnectionBack: a poll whose context ends without
// Commit or Rollback does not keep other writers out.
func TestCancelledTxGivesTheConnectionBack(t *testing.T) {
	s := openTest(t)
	syncFeeds(t, s, "a")
	f := feedNamed(t, s, "a")
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := s.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.SaveFeed(context.Background(), f) }()
	waitForWaiters(t, s.gate, writeNormal, 1)
	cancel() // the transaction is abandoned
	if err := <-done; err != nil {
		t.Fatalf("SaveFeed after the open transaction's context ended: %v", err)
	}
}
