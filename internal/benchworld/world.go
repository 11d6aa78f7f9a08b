package benchworld

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/slacktest"
)

// The world is the other side of the benchmark, run in a child process so
// that its CPU time and memory are not counted as the daemon's: the feed
// servers (one loopback listener per made-up host), the fake Slack Web API,
// and a control API through which the harness starts each round. It also
// measures what only it can see: when an item appeared, when the daemon
// first fetched it, and when its alert reached Slack.

// worldAddrs is what the world prints on its standard output once it
// listens, as one line of JSON.
type worldAddrs struct {
	Control string   `json:"control"`
	Slack   string   `json:"slack"` // base URL of the Web API, ending in /api/
	Hosts   []string `json:"hosts"` // base URLs of the feed servers
}

// RoundInfo is the control API's answer to POST /round.
type RoundInfo struct {
	Round        int     `json:"round"`
	Changed      int     `json:"changed"`       // documents that changed
	NewItems     int     `json:"new_items"`     // items that appeared
	Items        int     `json:"items"`         // items in all healthy documents
	Bytes        int64   `json:"bytes"`         // size of all healthy documents, uncompressed
	GenerateSecs float64 `json:"generate_secs"` // time the world took to write them
}

// RoundStats is the control API's answer to GET /stats?round=N: what the
// world saw of round N's items and requests.
type RoundStats struct {
	Round     int `json:"round"`
	Requests  int `json:"requests"`
	Served200 int `json:"served_200"`
	Served304 int `json:"served_304"`
	Failed    int `json:"failed"`
	// WireBytes is what the feed servers sent, compressed when asked.
	WireBytes int64 `json:"wire_bytes"`
	// CPUSecs is the world process's CPU time from the moment the round's
	// documents were in place until these stats were asked for (at the
	// round's end): what serving the feeds and the fake Slack took of the
	// machine the daemon ran on.
	CPUSecs float64 `json:"cpu_secs"`
	// Tracked items are those that appeared in the round; Alerted of them
	// reached Slack in at least one message.
	Tracked int `json:"tracked"`
	Alerted int `json:"alerted"`
	// Latencies in milliseconds, from the item's appearance on its feed
	// (AppearToAlert) or from the daemon's first fetch of a document that
	// held it (FetchToAlert) to the first Slack message naming it.
	AppearToAlert Percentiles `json:"appear_to_alert_ms"`
	FetchToAlert  Percentiles `json:"fetch_to_alert_ms"`
	// Posts counts chat.postMessage calls during the round; PrimeMentions
	// counts mentions of items of the first round (not tracked); Repeats
	// counts mentions of an item already alerted (another rule, a
	// summary, or a duplicate).
	Posts         int `json:"posts"`
	PrimeMentions int `json:"prime_mentions"`
	Repeats       int `json:"repeats"`
}

// Percentiles summarise N latencies, in milliseconds.
type Percentiles struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// itemKey names item seq of feed feed.
type itemKey struct{ feed, seq int }

// track is the timeline of one item that appeared after the first round.
type track struct {
	round             int
	appeared, fetched time.Time
	alerted           time.Time
	mentions          int
}

// intro records that the items from seq on appeared at t.
type intro struct {
	seq int
	t   time.Time
}

// feedState is the current document of one feed.
type feedState struct {
	spec *feedSpec

	mu      sync.Mutex
	head    int    // newest item
	body    []byte // gzip-compressed when the world compresses
	size    int    // uncompressed length
	etag    string
	lastMod string
	pending []int     // items of the document not yet fetched by the daemon
	intros  []intro   // ascending by seq
	base    time.Time // the first round's time: the first document's items are older
}

// world serves the generated feeds and the fake Slack.
type world struct {
	mix    Mix
	corpus *corpus
	feeds  []*feedState

	mu     sync.Mutex
	round  int
	tracks map[itemKey]*track
	stats  map[int]*RoundStats   // per round: requests and posts
	cpuAt  map[int]time.Duration // per round: the world's CPU time when it began
}

func newWorld(m Mix) *world {
	w := &world{mix: m, corpus: newCorpus(m.Skew), tracks: map[itemKey]*track{}, stats: map[int]*RoundStats{},
		cpuAt: map[int]time.Duration{}}
	for _, s := range feedSpecs(m) {
		w.feeds = append(w.feeds, &feedState{spec: s})
	}
	return w
}

// Serve is the world's main, in the child process Run starts (see
// WorldFlag): it listens, prints its addresses and serves until its
// standard input closes (the harness ended).
func Serve(m Mix) error {
	w := newWorld(m)
	listen := func(h http.Handler) (string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
		go srv.Serve(ln)
		return "http://" + ln.Addr().String(), nil
	}
	var addrs worldAddrs
	var err error
	if addrs.Control, err = listen(http.HandlerFunc(w.serveControl)); err != nil {
		return err
	}
	slack := slacktest.NewHandler(slacktest.Options{Token: benchSlackToken, Observe: w.slackMessage, Discard: true})
	base, err := listen(slack)
	if err != nil {
		return err
	}
	slack.SetURL(base)
	addrs.Slack = slack.APIURL()
	feeds := http.HandlerFunc(w.serveFeed)
	for range m.Hosts {
		u, err := listen(feeds)
		if err != nil {
			return err
		}
		addrs.Hosts = append(addrs.Hosts, u)
	}
	if err := json.NewEncoder(os.Stdout).Encode(addrs); err != nil {
		return err
	}
	io.Copy(io.Discard, os.Stdin)
	return nil
}

func (w *world) serveControl(rw http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("round"))
	if err != nil {
		http.Error(rw, "round: "+err.Error(), http.StatusBadRequest)
		return
	}
	var v any
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/round":
		v = w.advance(n)
	case r.Method == http.MethodGet && r.URL.Path == "/stats":
		v = w.roundStats(n)
	default:
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(v)
}

// advance writes round n's documents and makes them current: in round 0
// every healthy feed gets its first document; later, each healthy feed
// gets new items with probability mix.Changing.
func (w *world) advance(n int) RoundInfo {
	begin := time.Now()
	info := RoundInfo{Round: n}
	var mu sync.Mutex
	var newKeys []itemKey
	jobs := make(chan *feedState)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var buf []byte
			for f := range jobs {
				var added []int
				buf, added = w.update(f, n, begin, buf)
				mu.Lock()
				if len(added) > 0 {
					info.Changed++
					info.NewItems += len(added)
					for _, seq := range added {
						newKeys = append(newKeys, itemKey{f.spec.Index, seq})
					}
				}
				if n == 0 {
					info.Changed++
				}
				info.Items += min(f.head, f.spec.Items)
				info.Bytes += int64(f.size)
				mu.Unlock()
			}
		})
	}
	for _, f := range w.feeds {
		if !f.spec.Behaviour.failing() {
			jobs <- f
		}
	}
	close(jobs)
	wg.Wait()

	// The new documents are all in place: this is when their items appear.
	now := time.Now()
	w.mu.Lock()
	w.round = n
	w.stats[n] = &RoundStats{Round: n}
	w.cpuAt[n] = selfUsage().CPU
	for _, k := range newKeys {
		w.tracks[k] = &track{round: n, appeared: now}
	}
	w.mu.Unlock()
	info.GenerateSecs = now.Sub(begin).Seconds()
	return info
}

// update gives feed f its document of round n and returns the items that
// appeared in it. buf is scratch space, returned for reuse.
func (w *world) update(f *feedState, n int, now time.Time, buf []byte) ([]byte, []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var added []int
	if n == 0 {
		f.head, f.base = f.spec.Items, now
	} else {
		r := rand.New(rand.NewPCG(w.mix.Seed^0x2545f491, uint64(f.spec.Index)<<20|uint64(n)))
		if r.Float64() >= w.mix.Changing {
			return buf, nil
		}
		k := w.mix.NewMin + r.IntN(w.mix.NewMax-w.mix.NewMin+1)
		for range k {
			f.head++
			added = append(added, f.head)
		}
		f.intros = append(f.intros, intro{seq: added[0], t: now})
		f.pending = append(f.pending, added...)
	}
	buf = appendDocument(buf[:0], w.corpus, w.mix.Seed, f.spec, f.head, f.published)
	f.size = len(buf)
	if w.mix.Gzip {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
		zw.Write(buf)
		zw.Close()
		f.body = z.Bytes()
	} else {
		f.body = slices.Clone(buf)
	}
	f.etag = fmt.Sprintf(`"%d-%d"`, f.spec.Index, f.head)
	f.lastMod = now.UTC().Format(http.TimeFormat)
	return buf, added
}

// published dates item seq: items of the first document spread over the
// two days before the first round, later ones when they appeared. Called
// with f.mu held.
func (f *feedState) published(seq int) time.Time {
	for i := len(f.intros) - 1; i >= 0; i-- {
		if seq >= f.intros[i].seq {
			return f.intros[i].t
		}
	}
	age := time.Duration(f.spec.Items-seq) * 48 * time.Hour / time.Duration(f.spec.Items)
	return f.base.Add(-age)
}

func (w *world) count(fn func(s *RoundStats)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.stats[w.round]; s != nil {
		fn(s)
	}
}

func (w *world) serveFeed(rw http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/feed/")
	i, err := strconv.Atoi(name)
	if !ok || err != nil || i < 0 || i >= len(w.feeds) {
		http.NotFound(rw, r)
		return
	}
	f := w.feeds[i]
	switch f.spec.Behaviour {
	case fail500:
		w.count(func(s *RoundStats) { s.Requests++; s.Failed++ })
		http.Error(rw, "internal server error", http.StatusInternalServerError)
		return
	case fail503:
		w.count(func(s *RoundStats) { s.Requests++; s.Failed++ })
		rw.Header().Set("Retry-After", "120")
		http.Error(rw, "service unavailable", http.StatusServiceUnavailable)
		return
	case fail404:
		w.count(func(s *RoundStats) { s.Requests++; s.Failed++ })
		http.NotFound(rw, r)
		return
	case failHTML:
		w.count(func(s *RoundStats) { s.Requests++; s.Failed++ })
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(rw, "<!DOCTYPE html><html><head><title>Moved</title></head><body><p>Our feeds moved. Visit our home page.</p></body></html>")
		return
	case failReset:
		w.count(func(s *RoundStats) { s.Requests++; s.Failed++ })
		if conn, _, err := http.NewResponseController(rw).Hijack(); err == nil {
			if tcp, ok := conn.(*net.TCPConn); ok {
				tcp.SetLinger(0)
			}
			conn.Close()
		}
		return
	}

	f.mu.Lock()
	body, size, etag, lastMod := f.body, f.size, f.etag, f.lastMod
	if f.spec.Behaviour == withValidators {
		inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		if (inm != "" && inm == etag) || (inm == "" && ims != "" && ims == lastMod) {
			f.mu.Unlock()
			w.count(func(s *RoundStats) { s.Requests++; s.Served304++ })
			rw.Header().Set("ETag", etag)
			rw.WriteHeader(http.StatusNotModified)
			return
		}
	}
	pending := f.pending
	f.pending = nil
	f.mu.Unlock()

	now := time.Now()
	w.mu.Lock()
	for _, seq := range pending {
		if t := w.tracks[itemKey{i, seq}]; t != nil && t.fetched.IsZero() {
			t.fetched = now
		}
	}
	if s := w.stats[w.round]; s != nil {
		s.Requests++
		s.Served200++
	}
	w.mu.Unlock()

	h := rw.Header()
	if f.spec.Behaviour == withValidators {
		h.Set("ETag", etag)
		h.Set("Last-Modified", lastMod)
	}
	if f.spec.Atom {
		h.Set("Content-Type", "application/atom+xml; charset=utf-8")
	} else {
		h.Set("Content-Type", "application/rss+xml; charset=utf-8")
	}
	var out io.Reader = bytes.NewReader(body)
	n := int64(len(body))
	if w.mix.Gzip {
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
		} else {
			zr, err := gzip.NewReader(out)
			if err != nil {
				http.Error(rw, err.Error(), http.StatusInternalServerError)
				return
			}
			out, n = zr, int64(size)
		}
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	sent, _ := io.Copy(rw, out)
	w.count(func(s *RoundStats) { s.WireBytes += sent })
}

// itemKeyPattern finds the items an alert names, by their links.
var itemKeyPattern = regexp.MustCompile(`/news/(\d+)-(\d+)`)

// slackMessage notes what a message the fake Slack accepted says of the
// items: the first message naming a tracked item is its alert.
func (w *world) slackMessage(m slacktest.Message) {
	keys := map[itemKey]bool{}
	for _, text := range []string{m.Text, m.Blocks} {
		for _, k := range itemKeyPattern.FindAllStringSubmatch(text, -1) {
			feed, _ := strconv.Atoi(k[1])
			seq, _ := strconv.Atoi(k[2])
			keys[itemKey{feed, seq}] = true
		}
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats[w.round]
	if s != nil {
		s.Posts++
	}
	for k := range keys {
		t := w.tracks[k]
		switch {
		case t == nil:
			if s != nil {
				s.PrimeMentions++
			}
		case t.alerted.IsZero():
			t.alerted = now
			t.mentions++
		default:
			t.mentions++
			if s != nil {
				s.Repeats++
			}
		}
	}
}

func (w *world) roundStats(n int) RoundStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out RoundStats
	if s := w.stats[n]; s != nil {
		out = *s
		out.CPUSecs = (selfUsage().CPU - w.cpuAt[n]).Seconds()
	}
	var appear, fetch []float64
	for _, t := range w.tracks {
		if t.round != n {
			continue
		}
		out.Tracked++
		if t.alerted.IsZero() {
			continue
		}
		out.Alerted++
		appear = append(appear, ms(t.alerted.Sub(t.appeared)))
		if !t.fetched.IsZero() {
			fetch = append(fetch, ms(t.alerted.Sub(t.fetched)))
		}
	}
	out.AppearToAlert = percentilesOf(appear)
	out.FetchToAlert = percentilesOf(fetch)
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func percentilesOf(xs []float64) Percentiles {
	if len(xs) == 0 {
		return Percentiles{}
	}
	slices.Sort(xs)
	at := func(q float64) float64 {
		i := int(q*float64(len(xs))+0.5) - 1
		return xs[min(max(i, 0), len(xs)-1)]
	}
	return Percentiles{N: len(xs), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: xs[len(xs)-1]}
}

// worldProcess is the world as the harness sees it: a child process and its
// control API.
type worldProcess struct {
	addrs  worldAddrs
	stdin  io.WriteCloser
	done   chan error
	client *http.Client
}

// WorldFlag is the flag with which Run starts this program again as the
// world: its value is the mix as JSON, and a program given it must call
// Serve with that mix instead of doing its own work.
const WorldFlag = "world"

// startWorld starts this program again as the world, with mix m.
func startWorld(ctx context.Context, m Mix) (*worldProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	spec, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "-"+WorldFlag, string(spec))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &worldProcess{stdin: stdin, done: make(chan error, 1), client: &http.Client{}}
	go func() { p.done <- cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		stdin.Close()
		return nil, fmt.Errorf("world: %w (%v)", err, <-p.done)
	}
	if err := json.Unmarshal(line, &p.addrs); err != nil {
		stdin.Close()
		return nil, fmt.Errorf("world: %w", err)
	}
	return p, nil
}

// Close stops the world and waits for it.
func (p *worldProcess) Close() error {
	p.stdin.Close()
	err := <-p.done
	var ee interface{ ExitCode() int }
	if errors.As(err, &ee) && ee.ExitCode() == -1 {
		return nil // killed with the harness's context
	}
	return err
}

// advance starts round n in the world.
func (p *worldProcess) advance(ctx context.Context, n int) (RoundInfo, error) {
	var info RoundInfo
	return info, p.call(ctx, http.MethodPost, "/round?round="+strconv.Itoa(n), &info)
}

// stats reads what the world saw of round n.
func (p *worldProcess) stats(ctx context.Context, n int) (RoundStats, error) {
	var s RoundStats
	return s, p.call(ctx, http.MethodGet, "/stats?round="+strconv.Itoa(n), &s)
}

func (p *worldProcess) call(ctx context.Context, method, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, method, p.addrs.Control+path, nil)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("world: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("world: %s %s: %s: %s", method, path, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// feedURL is the URL the world serves feed f at.
func (p *worldProcess) feedURL(f *feedSpec) string {
	return p.addrs.Hosts[f.Host] + "/feed/" + strconv.Itoa(f.Index)
}
