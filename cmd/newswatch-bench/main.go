// Command newswatch-bench measures newswatch under load: it runs the
// daemon's real code (configuration, scheduler, fetcher, SQLite store, rule
// matcher, dispatcher and Slack notifier, wired as `newswatch run` wires
// them) over a generated world of news feeds served on loopback, and
// reports the cost and the latency of each poll round.
//
//	go run ./cmd/newswatch-bench -feeds 1000 -rules 10 -rounds 3
//
// The world (the feed servers and a fake Slack Web API, package
// internal/benchworld) runs in a child process, so that the CPU time and
// the peak memory reported are the daemon's. See BENCHMARKS.md for what is
// measured, how, and the figures.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/newswatch/newswatch/internal/benchworld"
)

func main() {
	var (
		m = benchworld.Mix{Seed: 1, Feeds: 1000, Validators: 0.6, Failing: 0.03, Changing: 0.2,
			NewMin: 1, NewMax: 5, Arabic: 0.35, Skew: 0.8, Gzip: true}
		o      benchworld.Options
		asJSON bool
	)
	world := flag.String(benchworld.WorldFlag, "", "internal: run as the world, with this mix (JSON)")
	flag.IntVar(&m.Feeds, "feeds", m.Feeds, "number of feeds")
	flag.IntVar(&m.Hosts, "hosts", 0, "number of feed servers (hosts) the feeds are spread over (default min(feeds, 200))")
	flag.Uint64Var(&m.Seed, "seed", m.Seed, "seed of the generated world and rules")
	flag.Float64Var(&m.Validators, "validators", m.Validators, "share of healthy feeds that send ETag and Last-Modified (and answer 304)")
	flag.Float64Var(&m.Failing, "failing", m.Failing, "share of feeds that always fail (500, 503, 404, an HTML page, a reset)")
	flag.Float64Var(&m.Changing, "changing", m.Changing, "share of healthy feeds with new items in each round after the first")
	flag.IntVar(&m.NewMin, "new-min", m.NewMin, "fewest new items of a changing feed in a round")
	flag.IntVar(&m.NewMax, "new-max", m.NewMax, "most new items of a changing feed in a round")
	flag.IntVar(&m.Items, "items", 0, "items in every feed's document (0: 30–100, drawn for each feed)")
	flag.Float64Var(&m.Arabic, "arabic", m.Arabic, "share of feeds in Arabic (the others are in English)")
	flag.Float64Var(&m.Skew, "skew", m.Skew, "Zipf skew of the names and topics in items (0 uniform)")
	flag.BoolVar(&m.Gzip, "gzip", m.Gzip, "serve feeds gzip-compressed")
	flag.IntVar(&o.Rules, "rules", 10, "number of rules")
	flag.IntVar(&o.Rounds, "rounds", 3, "poll rounds after the first one (in which every item is new)")
	flag.StringVar(&o.Settings.Backfill, "backfill", "24h", "daemon.backfill (items of the first round are dated over the 48h before it)")
	flag.IntVar(&o.Settings.Concurrency, "concurrency", 0, "fetch.concurrency (0: the configuration's default)")
	flag.IntVar(&o.Settings.PerHost, "per-host", 0, "fetch.per_host (0: the configuration's default)")
	flag.StringVar(&o.Settings.MemoryLimit, "memory-limit", "", "daemon.memory_limit (\"\": the configuration's default); GOGC and GOMEMLIMIT in the environment win, as for the daemon")
	flag.StringVar(&o.Settings.LogLevel, "log-level", "warn", "log.level of the daemon (its log goes to daemon.log in the work directory)")
	flag.StringVar(&o.Dir, "dir", "", "work directory (default: a new temporary directory, removed at the end unless -keep)")
	flag.BoolVar(&o.Keep, "keep", false, "keep the work directory (configuration, rules, database, log)")
	flag.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the rounds chosen by -profile to this file")
	flag.StringVar(&o.ProfileRounds, "profile", "steady", "rounds to profile: first, steady (all after the first) or all")
	flag.StringVar(&o.MemProfile, "memprofile", "", "write a heap profile at the end to this file")
	store := flag.String("store", "sqlite", "the database: sqlite (the daemon's code in this process), or postgres with -replicas `newswatch run` processes sharing it")
	flag.IntVar(&o.Replicas, "replicas", 1, "with -store postgres: how many replicas (`newswatch run` processes, built from this tree) share the database")
	flag.StringVar(&o.DSN, "dsn", os.Getenv("NEWSWATCH_DATABASE_URL"), "with -store postgres: a PostgreSQL database the bench may create a schema in (dropped at the end)")
	flag.StringVar(&o.Settings.Lease, "lease", "6s", "with -store postgres: store.lease")
	flag.StringVar(&o.Settings.Schedule, "schedule", "@every 5s", "with -store postgres: daemon.schedule, the feeds' poll interval")
	flag.BoolVar(&asJSON, "json", false, "print the results as JSON instead of tables")
	flag.BoolVar(&o.R2E, "r2e", false, "also run rss2email (r2e run --no-send) over the first round's documents (with -once, every round's), for comparison")
	flag.StringVar(&o.Once, "once", "", "run every round as `BIN once`, a process of its own as from cron, instead of the daemon's code in the harness; \"build\" builds cmd/newswatch first")
	flag.StringVar(&o.OnceCompare, "once-compare", "", "with -once: also run every round as `BIN2 once`, with a data directory of its own, right after BIN (a before and after under one load)")
	flag.IntVar(&o.OnceRepeat, "once-repeat", 1, "with -once: run the last round `N` times (the binaries in turn), each from a copy of the data directory as the round before left it")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./cmd/newswatch-bench [flags]\n\n"+
			"Runs newswatch's daemon code over generated feeds on loopback and reports\n"+
			"the cost of each poll round. See BENCHMARKS.md.\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	if *world != "" {
		if err := json.Unmarshal([]byte(*world), &m); err != nil {
			fatal(err)
		}
		if err := benchworld.Serve(m); err != nil {
			fatal(err)
		}
		return
	}
	if m.Hosts <= 0 {
		m.Hosts = min(m.Feeds, 200)
	}
	if err := m.Check(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	switch *store {
	case "sqlite":
		o.Replicas = 0
	case "postgres":
		if o.Replicas < 1 || o.Once != "" {
			fmt.Fprintln(os.Stderr, "bench: -store postgres needs -replicas 1 or more, and runs no -once")
			os.Exit(2)
		}
		// A failing feed backs off and is not polled in every round,
		// which the end of a round waits for.
		m.Failing = 0
		o.Settings.Postgres = true
		o.Once = "build"
	default:
		fmt.Fprintf(os.Stderr, "bench: -store %q: sqlite or postgres\n", *store)
		os.Exit(2)
	}
	o.Mix = m
	if !asJSON {
		o.Progress = os.Stderr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.Once == "build" {
		bin, cleanup, err := buildNewswatch(ctx)
		if err != nil {
			fatal(err)
		}
		defer cleanup()
		o.Once = bin
	}
	res, err := benchworld.Run(ctx, o)
	if err != nil {
		fatal(err)
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
		return
	}
	printResult(os.Stdout, res)
}

// buildNewswatch builds cmd/newswatch into a temporary directory, which
// cleanup removes.
func buildNewswatch(ctx context.Context) (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "newswatch-bench-bin-")
	if err != nil {
		return "", nil, err
	}
	bin = filepath.Join(dir, "newswatch")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/newswatch/newswatch/cmd/newswatch")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("building newswatch: %w", err)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
