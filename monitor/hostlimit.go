package monitor

import (
	"context"
	"sync"
)

// hostLimiter limits the requests in flight to one host. Feeds come first:
// a page (an item's article) takes a slot only while no feed waits for the
// host, and pages never hold the host's last slot when it has more than
// one, so that fetching articles never delays a poll for longer than one
// page takes when a host allows a single request. A nil *hostLimiter
// limits nothing.
type hostLimiter struct {
	perHost int

	mu    sync.Mutex
	hosts map[string]*hostSlots
}

// hostSlots is the state of one host: requests in flight (pages among
// them) and the requests waiting, feeds and pages apart, oldest first.
type hostSlots struct {
	inUse, pages int
	feeds, paged []chan struct{}
}

func newHostLimiter(perHost int) *hostLimiter {
	if perHost <= 0 {
		return nil
	}
	return &hostLimiter{perHost: perHost, hosts: map[string]*hostSlots{}}
}

// acquire waits for a slot of host and returns the function that gives it
// back, or ctx's error. page says whether the request is for a page.
func (l *hostLimiter) acquire(ctx context.Context, host string, page bool) (func(), error) {
	if l == nil {
		return func() {}, nil
	}
	l.mu.Lock()
	h := l.hosts[host]
	if h == nil {
		h = &hostSlots{}
		l.hosts[host] = h
	}
	if l.free(h, page) {
		l.take(h, page)
		l.mu.Unlock()
		return l.releaser(host, page), nil
	}
	ready := make(chan struct{})
	if page {
		h.paged = append(h.paged, ready)
	} else {
		h.feeds = append(h.feeds, ready)
	}
	l.mu.Unlock()

	select {
	case <-ready:
		return l.releaser(host, page), nil
	case <-ctx.Done():
		l.mu.Lock()
		defer l.mu.Unlock()
		select {
		case <-ready: // handed a slot meanwhile: give it back
			l.releaseLocked(host, page)
		default:
			h.feeds = removeWaiter(h.feeds, ready)
			h.paged = removeWaiter(h.paged, ready)
			l.forgetIdle(host, h)
		}
		return nil, ctx.Err()
	}
}

// free reports whether a request of the kind may start on h now.
func (l *hostLimiter) free(h *hostSlots, page bool) bool {
	if h.inUse >= l.perHost {
		return false
	}
	if !page {
		return true
	}
	return len(h.feeds) == 0 && h.pages < max(1, l.perHost-1)
}

func (l *hostLimiter) take(h *hostSlots, page bool) {
	h.inUse++
	if page {
		h.pages++
	}
}

func (l *hostLimiter) releaser(host string, page bool) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.releaseLocked(host, page)
		})
	}
}

// releaseLocked gives back a slot of host and hands free slots to the
// waiting requests, feeds first.
func (l *hostLimiter) releaseLocked(host string, page bool) {
	h := l.hosts[host]
	h.inUse--
	if page {
		h.pages--
	}
	for len(h.feeds) > 0 && l.free(h, false) {
		l.take(h, false)
		close(h.feeds[0])
		h.feeds = h.feeds[1:]
	}
	for len(h.paged) > 0 && l.free(h, true) {
		l.take(h, true)
		close(h.paged[0])
		h.paged = h.paged[1:]
	}
	l.forgetIdle(host, h)
}

func (l *hostLimiter) forgetIdle(host string, h *hostSlots) {
	if h.inUse == 0 && len(h.feeds) == 0 && len(h.paged) == 0 {
		delete(l.hosts, host)
	}
}

func removeWaiter(ws []chan struct{}, c chan struct{}) []chan struct{} {
	for i, w := range ws {
		if w == c {
			return append(ws[:i], ws[i+1:]...)
		}
	}
	return ws
}
