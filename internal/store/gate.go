package store

import (
	"context"
	"sync"
)

// writePriority orders the goroutines waiting for the write connection.
type writePriority int

const (
	// writeUrgent is a short write that something waits on: the dispatcher
	// recording a delivery holds its destination until it is recorded.
	writeUrgent writePriority = iota
	// writeNormal is every other write: poll transactions, feed state.
	writeNormal
	numPriorities
)

// writeGate hands the store's one write connection to one goroutine at a
// time: urgent writers first, then in the order they asked. database/sql
// alone gives a freed connection to a random waiter, so a delivery record
// queued behind a dozen poll transactions waited for a dozen of them on
// average, and the destination with it.
type writeGate struct {
	mu     sync.Mutex
	busy   bool
	queues [numPriorities][]chan struct{}
	// onUnlock, when set, is called after each unlock: a write may have
	// grown the WAL. It must not block.
	onUnlock func()
}

// lock waits for the write connection, or until ctx is done.
func (g *writeGate) lock(ctx context.Context, p writePriority) error {
	g.mu.Lock()
	if !g.busy {
		g.busy = true
		g.mu.Unlock()
		return nil
	}
	if err := ctx.Err(); err != nil {
		g.mu.Unlock()
		return err
	}
	turn := make(chan struct{})
	g.queues[p] = append(g.queues[p], turn)
	g.mu.Unlock()
	select {
	case <-turn:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	for i, c := range g.queues[p] {
		if c == turn {
			g.queues[p] = append(g.queues[p][:i], g.queues[p][i+1:]...)
			g.mu.Unlock()
			return ctx.Err()
		}
	}
	g.mu.Unlock()
	// Handed the connection while giving up: pass it on.
	g.unlock()
	return ctx.Err()
}

// unlock hands the write connection to the next waiter, if any.
func (g *writeGate) unlock() {
	g.handOver()
	if g.onUnlock != nil {
		g.onUnlock()
	}
}

// handOver passes the write connection to the first waiter of the most
// urgent queue, or marks it free.
func (g *writeGate) handOver() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for p := range g.queues {
		if q := g.queues[p]; len(q) > 0 {
			turn := q[0]
			q[0] = nil
			g.queues[p] = q[1:]
			close(turn)
			return
		}
	}
	g.busy = false
}
