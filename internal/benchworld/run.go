package benchworld

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
)

// Options are the harness's settings, as the flags of cmd/newswatch-bench
// set them.
type Options struct {
	Mix      Mix
	Rules    int // generated rules
	Rounds   int // poll rounds after the first one
	Settings Settings
	// Dir is the work directory (configuration, rules, database, log); ""
	// makes a temporary one, removed at the end unless Keep.
	Dir  string
	Keep bool
	// CPUProfile, if set, is where a CPU profile of the rounds chosen by
	// ProfileRounds (first, steady or all) is written; MemProfile, if set,
	// where a heap profile is written at the end.
	CPUProfile    string
	ProfileRounds string
	MemProfile    string
	// R2E also runs rss2email over the first round's documents, or with
	// Once over every round's.
	R2E bool
	// Once, when set, is a newswatch binary that every round runs as
	// `once`, a process of its own as a cron job runs it, instead of the
	// daemon's code in this process (Result.Once has the figures).
	Once string
	// OnceCompare, with Once, is a second newswatch binary run as Once is,
	// with a configuration and data directory of its own, right after it
	// in every round: a before and after in one world, under one load.
	OnceCompare string
	// OnceRepeat, with Once, runs the last round that many times, the
	// binaries in turn, each time from a copy of the data directory as the
	// round before left it (OnceRound.Repeats): the spread of a loaded
	// machine shows, and a median can be taken.
	OnceRepeat int
	// Replicas, when positive, runs that many `run` processes of the
	// newswatch binary Once sharing a new schema of the PostgreSQL
	// database DSN, polling on Settings.Schedule, instead of the daemon's
	// code in this process (Result.Replicas and Result.Failover have the
	// figures).
	Replicas int
	DSN      string
	// Progress, if not nil, receives a line at the end of each round.
	Progress io.Writer
}

// Result is everything one run measured.
type Result struct {
	Machine Machine       `json:"machine"`
	Feeds   int           `json:"feeds"`
	Rules   int           `json:"rules"`
	Mix     Mix           `json:"mix"`
	Rounds  []RoundResult `json:"rounds"`
	PeakRSS int64         `json:"peak_rss_bytes"`
	DBBytes int64         `json:"db_bytes"` // database file and its WAL after the run
	Dir     string        `json:"dir,omitempty"`
	R2E     *R2EResult    `json:"rss2email,omitempty"`
	// Once are the rounds of the cron workflow (Options.Once), with the
	// version of rss2email they ran.
	Once       []OnceRound `json:"once,omitempty"`
	R2EVersion string      `json:"rss2email_version,omitempty"`
	LogBytes   int64       `json:"log_bytes"`
	// Replicas are the rounds of replicas on PostgreSQL (Options.Replicas),
	// and Failover what killing one of them cost.
	Replicas []ReplicaRound `json:"replicas,omitempty"`
	Failover *Failover      `json:"failover,omitempty"`
}

// RoundResult is one poll round.
type RoundResult struct {
	Round int       `json:"round"`
	World RoundInfo `json:"world"`
	Polls PollCount `json:"polls"`
	// PollSecs is the time RunOnce took: every feed polled. DrainSecs is
	// the further time until every alert queued in the round was
	// delivered.
	PollSecs  float64 `json:"poll_secs"`
	DrainSecs float64 `json:"drain_secs"`
	// CPUSecs is the process's CPU time (getrusage) from the round's start
	// until its alerts were delivered.
	CPUSecs float64    `json:"cpu_secs"`
	Seen    RoundStats `json:"seen"` // what the world saw
}

// PollCount counts a round's polls by outcome, from Poller.OnPoll.
type PollCount struct {
	Changed   int `json:"changed"`   // 200 with new items
	Unchanged int `json:"unchanged"` // 200 with nothing new
	NotMod    int `json:"not_modified"`
	Failed    int `json:"failed"`
	Held      int `json:"held"` // backing off: not fetched
	Items     int `json:"items"`
	New       int `json:"new"`
	Alerts    int `json:"alerts"`
}

// counters collect the daemon's hooks.
type counters struct {
	mu     sync.Mutex
	polls  PollCount
	queued atomic.Int64 // alerts queued, since the start
	ended  atomic.Int64 // alerts delivered or dead, since the start
}

func (c *counters) onPoll(res monitor.PollResult, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := &c.polls
	switch {
	case err != nil:
		p.Failed++
	case res.Held:
		p.Held++
	case res.NotModified:
		p.NotMod++
	case res.New > 0:
		p.Changed++
	default:
		p.Unchanged++
	}
	p.Items += res.Items
	p.New += res.New
	p.Alerts += res.Alerts
	c.queued.Add(int64(res.Alerts))
}

func (c *counters) onOutcome(o notify.Outcome) {
	if o.Result == notify.ResultDelivered || o.Result == notify.ResultDead {
		c.ended.Add(int64(o.Alerts))
	}
}

func (c *counters) take() PollCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.polls
	c.polls = PollCount{}
	return p
}

// drainTimeout bounds the wait for a round's alerts.
const drainTimeout = 10 * time.Minute

// Run measures the daemon in a world of mix o.Mix: it starts the world as a
// child process (see Start), writes a configuration and o.Rules generated
// rules for it, wires the daemon from them as `newswatch run` does, and
// polls every feed o.Rounds+1 times, waiting after each round until every
// alert it queued was delivered.
func Run(ctx context.Context, o Options) (*Result, error) {
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "newswatch-bench-"); err != nil {
			return nil, err
		}
		if !o.Keep {
			defer os.RemoveAll(dir)
		}
	}
	res := &Result{Machine: thisMachine(), Feeds: o.Mix.Feeds, Rules: o.Rules, Mix: o.Mix}
	if o.Keep {
		res.Dir = dir
	}

	world, err := startWorld(ctx, o.Mix)
	if err != nil {
		return nil, err
	}
	defer world.Close()

	specs := feedSpecs(o.Mix)
	path, err := writeSetup(dir, world, specs, generateRules(o.Rules, o.Mix.Seed, o.Mix.Feeds), o.Settings)
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "daemon.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	if o.Replicas > 0 {
		if err := runReplicaRounds(ctx, o, dir, path, world, logFile, res); err != nil {
			return nil, err
		}
		return res, nil
	}
	if o.Once != "" {
		if err := runOnceRounds(ctx, o, dir, path, world, specs, logFile, res); err != nil {
			return nil, err
		}
		return res, nil
	}
	env := func(k string) (string, bool) {
		if k == "BENCH_SLACK_TOKEN" {
			return benchSlackToken, true
		}
		return "", false
	}
	d, err := openDaemon(ctx, path, env, logFile)
	if err != nil {
		return nil, err
	}
	defer d.Close()

	var c counters
	d.poller.OnPoll = c.onPoll
	d.dispatcher.OnOutcome = c.onOutcome
	dctx, stopDispatcher := context.WithCancel(ctx)
	dispatched := make(chan error, 1)
	go func() { dispatched <- d.dispatcher.Run(dctx) }()
	defer func() {
		stopDispatcher()
		<-dispatched
	}()

	var profiling bool
	stopProfile := func() {
		if profiling {
			pprof.StopCPUProfile()
			profiling = false
		}
	}
	defer stopProfile()

	for n := 0; n <= o.Rounds; n++ {
		info, err := world.advance(ctx, n)
		if err != nil {
			return nil, err
		}
		if n == 0 && o.R2E {
			if res.R2E, err = runR2E(ctx, dir, world, specs, info); err != nil {
				return nil, err
			}
		}
		if o.CPUProfile != "" && !profiling && profileRound(o.ProfileRounds, n) {
			f, err := os.Create(o.CPUProfile)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return nil, err
			}
			profiling = true
		}

		r := RoundResult{Round: n, World: info}
		before, start := selfUsage(), time.Now()
		if _, err := d.scheduler.RunOnce(ctx); err != nil {
			return nil, err
		}
		r.PollSecs = time.Since(start).Seconds()
		if err := waitDrained(ctx, &c); err != nil {
			return nil, err
		}
		r.DrainSecs = time.Since(start).Seconds() - r.PollSecs
		r.CPUSecs = (selfUsage().CPU - before.CPU).Seconds()
		r.Polls = c.take()
		if r.Seen, err = world.stats(ctx, n); err != nil {
			return nil, err
		}
		res.Rounds = append(res.Rounds, r)
		if n == 0 && o.ProfileRounds == "first" {
			stopProfile()
		}
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "round %d: %d polls in %.1fs, %d new items, %d alerts, %.1f CPU s\n",
				n, r.Polls.Total(), r.PollSecs, r.Polls.New, r.Polls.Alerts, r.CPUSecs)
		}
	}
	stopProfile()
	res.PeakRSS = selfUsage().MaxRSS
	if o.MemProfile != "" {
		if err := writeHeapProfile(o.MemProfile); err != nil {
			return nil, err
		}
	}
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(filepath.Join(d.cfg.Daemon.DataDir, databaseFile+suffix)); err == nil {
			res.DBBytes += fi.Size()
		}
	}
	if fi, err := logFile.Stat(); err == nil {
		res.LogBytes = fi.Size()
	}
	return res, nil
}

func profileRound(which string, n int) bool {
	switch which {
	case "first":
		return n == 0
	case "all":
		return true
	}
	return n > 0
}

// waitDrained waits until every alert queued so far was delivered (or
// given up).
func waitDrained(ctx context.Context, c *counters) error {
	deadline := time.Now().Add(drainTimeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for c.ended.Load() < c.queued.Load() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d alerts still undelivered after %s", c.queued.Load()-c.ended.Load(), drainTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	return errors.Join(pprof.WriteHeapProfile(f), f.Close())
}

// Total is the number of polls of the round.
func (p PollCount) Total() int { return p.Changed + p.Unchanged + p.NotMod + p.Failed + p.Held }
