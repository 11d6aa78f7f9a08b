package benchworld

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
)

// OnceRound is a round of the cron workflow (Options.Once): `newswatch
// once`, and rss2email with Options.R2E, each started as a process of its
// own once the round's documents are in place, as a cron job starts them.
type OnceRound struct {
	Round int       `json:"round"`
	World RoundInfo `json:"world"`
	// Binary is the newswatch binary that ran (Options.Once, or
	// Options.OnceCompare).
	Binary    string     `json:"binary"`
	Newswatch ProcessRun `json:"newswatch"`
	// Repeats are the further runs of the last round with
	// Options.OnceRepeat, each from the data directory as the round before
	// left it.
	Repeats []ProcessRun `json:"repeats,omitempty"`
	// NewItems is how many items newswatch recorded in the round.
	NewItems int         `json:"new_items"`
	R2E      *ProcessRun `json:"rss2email,omitempty"`
}

// onceBinary is one newswatch binary of the cron workflow, with its own
// configuration and data directory.
type onceBinary struct {
	bin, config, data string
	items             int  // in its database after the last round
	fresh             bool // the repeated round started with no data directory
}

// runOnceRounds runs the rounds of o as a cron job would: each round,
// the newswatch binary o.Once runs `once` with the configuration at
// config, then o.OnceCompare, when set, with a configuration and data
// directory of its own, then, with o.R2E, rss2email runs over the same
// documents. The last round runs o.OnceRepeat times, the binaries in
// turn, each time from a copy of the data directory as the round before
// left it. newswatch's output goes to logw.
func runOnceRounds(ctx context.Context, o Options, dir, config string, world *worldProcess, specs []*feedSpec, logw *os.File, res *Result) error {
	var r2e *rss2email
	if o.R2E {
		var err error
		if r2e, err = newRSS2Email(ctx, dir, world, specs); err != nil {
			return err
		}
		res.R2EVersion = r2e.version
	}
	bins := []*onceBinary{{bin: o.Once, config: config}}
	if o.OnceCompare != "" {
		sub := filepath.Join(dir, "compare")
		if err := os.MkdirAll(sub, 0o750); err != nil {
			return err
		}
		path, err := writeSetup(sub, world, specs, generateRules(o.Rules, o.Mix.Seed, o.Mix.Feeds), o.Settings)
		if err != nil {
			return err
		}
		bins = append(bins, &onceBinary{bin: o.OnceCompare, config: path})
	}
	for _, b := range bins {
		b.data = filepath.Join(filepath.Dir(b.config), "data")
	}
	for n := 0; n <= o.Rounds; n++ {
		info, err := world.advance(ctx, n)
		if err != nil {
			return err
		}
		runs := 1
		if n == o.Rounds && o.OnceRepeat > 1 {
			runs = o.OnceRepeat
			for _, b := range bins {
				// Round 0 (-rounds 0) starts with no data directory:
				// each repeat then starts from none.
				_, err := os.Stat(b.data)
				b.fresh = errors.Is(err, fs.ErrNotExist)
				if b.fresh {
					continue
				}
				if err := copyFiles(b.data, b.data+".before"); err != nil {
					return err
				}
			}
		}
		rounds := make([]OnceRound, len(bins))
		for i := range runs {
			for k, b := range bins {
				if i > 0 {
					if err := os.RemoveAll(b.data); err != nil {
						return err
					}
					if !b.fresh {
						if err := copyFiles(b.data+".before", b.data); err != nil {
							return err
						}
					}
				}
				run, err := runOnce(ctx, b, logw)
				if err != nil {
					return err
				}
				if i > 0 {
					rounds[k].Repeats = append(rounds[k].Repeats, run)
					continue
				}
				r := OnceRound{Round: n, World: info, Binary: b.bin, Newswatch: run}
				total, err := countItems(ctx, filepath.Join(b.data, databaseFile))
				if err != nil {
					return err
				}
				r.NewItems, b.items = total-b.items, total
				rounds[k] = r
			}
		}
		if r2e != nil {
			run, err := r2e.run(ctx)
			if err != nil {
				return err
			}
			rounds[0].R2E = &run
		}
		res.Once = append(res.Once, rounds...)
		if o.Progress != nil {
			for _, r := range rounds {
				fmt.Fprintf(o.Progress, "round %d: %s once %.2f CPU s (%d new items)", n, filepath.Base(r.Binary), r.Newswatch.CPUSecs, r.NewItems)
				if len(r.Repeats) > 0 {
					fmt.Fprintf(o.Progress, ", median of %d runs %.2f", len(r.Repeats)+1, r.MedianCPU())
				}
				if r.R2E != nil {
					fmt.Fprintf(o.Progress, ", rss2email %.2f CPU s", r.R2E.CPUSecs)
				}
				fmt.Fprintln(o.Progress)
			}
		}
	}
	return nil
}

// MedianCPU is the median CPU time of the round's runs, repeats included.
func (r OnceRound) MedianCPU() float64 {
	cpu := []float64{r.Newswatch.CPUSecs}
	for _, p := range r.Repeats {
		cpu = append(cpu, p.CPUSecs)
	}
	slices.Sort(cpu)
	if len(cpu)%2 == 1 {
		return cpu[len(cpu)/2]
	}
	return (cpu[len(cpu)/2-1] + cpu[len(cpu)/2]) / 2
}

// runOnce runs `once` of binary b.
func runOnce(ctx context.Context, b *onceBinary, logw *os.File) (ProcessRun, error) {
	cmd := exec.CommandContext(ctx, b.bin, "once", "-config", b.config)
	cmd.Env = append(os.Environ(), "BENCH_SLACK_TOKEN="+benchSlackToken)
	cmd.Stdout, cmd.Stderr = logw, logw
	run, err := runProcess(cmd)
	if err != nil {
		return run, fmt.Errorf("%s once: %w", b.bin, err)
	}
	if run.Exit != 0 {
		return run, fmt.Errorf("%s once: exit status %d (see daemon.log)", b.bin, run.Exit)
	}
	return run, nil
}

// copyFiles copies the regular files of the directory from (the database,
// its WAL, the lock) into the directory to, made anew.
func copyFiles(from, to string) error {
	if err := os.RemoveAll(to); err != nil {
		return err
	}
	if err := os.MkdirAll(to, 0o750); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return fmt.Errorf("copying %s: %w", from, err)
	}
	return dst.Close()
}

// countItems counts the items of the database at path, read-only: the
// binary measured may be of another version than the harness, and its
// schema must not be migrated under it.
func countItems(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting the items of %s: %w", path, err)
	}
	return n, nil
}
