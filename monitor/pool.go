package monitor

import (
	"context"
	"sync"
)

// pool runs polls under two limits: at most limit at once in all, and at
// most perHost at once to one host. A feed is queued at most once: while it
// is queued or running, submitting it again is refused. Goroutines exist
// only for running polls, so there is nothing to stop but the polls
// themselves.
type pool struct {
	limit, perHost int

	mu      sync.Mutex
	running int
	byHost  map[string]int
	busy    map[string]bool // feed names queued or running
	queue   []*poolJob
	wg      sync.WaitGroup // queued and running jobs

	// onIdle, when set, is called after a job when no other is queued
	// or running, before wait may return for it.
	onIdle func()
}

type poolJob struct {
	ctx  context.Context
	feed string
	host string
	fn   func(context.Context)
}

func newPool(limit, perHost int) *pool {
	return &pool{
		limit:   max(limit, 1),
		perHost: max(perHost, 1),
		byHost:  map[string]int{},
		busy:    map[string]bool{},
	}
}

// submit queues fn as the poll of feed at host, to run with ctx when the
// limits allow. It reports false, and does nothing, when that feed is
// already queued or running, or ctx is done.
func (p *pool) submit(ctx context.Context, feed, host string, fn func(context.Context)) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.busy[feed] || ctx.Err() != nil {
		return false
	}
	p.busy[feed] = true
	p.wg.Add(1)
	p.queue = append(p.queue, &poolJob{ctx: ctx, feed: feed, host: host, fn: fn})
	p.startLocked()
	return true
}

// startLocked starts queued jobs, oldest first, while the limits allow, and
// drops those whose context is done.
func (p *pool) startLocked() {
	kept := p.queue[:0]
	for i, j := range p.queue {
		switch {
		case j.ctx.Err() != nil:
			p.forgetLocked(j)
		case p.running < p.limit && p.byHost[j.host] < p.perHost:
			p.running++
			p.byHost[j.host]++
			go p.run(j)
		default:
			kept = append(kept, j)
		}
		if p.running >= p.limit {
			kept = append(kept, p.queue[i+1:]...)
			break
		}
	}
	clear(p.queue[len(kept):])
	p.queue = kept
}

func (p *pool) run(j *poolJob) {
	j.fn(j.ctx)
	p.mu.Lock()
	p.running--
	if p.byHost[j.host]--; p.byHost[j.host] == 0 {
		delete(p.byHost, j.host)
	}
	delete(p.busy, j.feed)
	p.startLocked()
	idle := p.running == 0 && len(p.queue) == 0 && p.onIdle != nil
	p.mu.Unlock()
	if idle {
		p.onIdle()
	}
	p.wg.Done()
}

// queued returns the feeds of at most n queued jobs, the next to start
// first.
func (p *pool) queued(n int) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := make([]string, 0, min(n, len(p.queue)))
	for _, j := range p.queue[:min(n, len(p.queue))] {
		names = append(names, j.feed)
	}
	return names
}

func (p *pool) forgetLocked(j *poolJob) {
	delete(p.busy, j.feed)
	p.wg.Done()
}

// drop forgets every queued job that has not started.
func (p *pool) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, j := range p.queue {
		p.forgetLocked(j)
	}
	clear(p.queue)
	p.queue = p.queue[:0]
}

// wait blocks until every queued and running job is done or dropped.
func (p *pool) wait() { p.wg.Wait() }
