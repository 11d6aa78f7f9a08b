package benchworld

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// OnceRound is a round of the cron workflow (Options.Once): `newswatch
// once`, and rss2email with Options.R2E, each started as a process of its
// own once the round's documents are in place, as a cron job starts them.
type OnceRound struct {
	Round     int        `json:"round"`
	World     RoundInfo  `json:"world"`
	Newswatch ProcessRun `json:"newswatch"`
	// NewItems is how many items newswatch recorded in the round.
	NewItems int         `json:"new_items"`
	R2E      *ProcessRun `json:"rss2email,omitempty"`
}

// runOnceRounds runs the rounds of o as a cron job would: each round,
// the newswatch binary o.Once runs `once` with the configuration at
// config, then, with o.R2E, rss2email runs over the same documents.
// newswatch's output goes to logw.
func runOnceRounds(ctx context.Context, o Options, dir, config string, world *worldProcess, specs []*feedSpec, logw *os.File, res *Result) error {
	var r2e *rss2email
	if o.R2E {
		var err error
		if r2e, err = newRSS2Email(ctx, dir, world, specs); err != nil {
			return err
		}
		res.R2EVersion = r2e.version
	}
	items := 0
	for n := 0; n <= o.Rounds; n++ {
		info, err := world.advance(ctx, n)
		if err != nil {
			return err
		}
		r := OnceRound{Round: n, World: info}
		cmd := exec.CommandContext(ctx, o.Once, "once", "-config", config)
		cmd.Env = append(os.Environ(), "BENCH_SLACK_TOKEN="+benchSlackToken)
		cmd.Stdout, cmd.Stderr = logw, logw
		if r.Newswatch, err = runProcess(cmd); err != nil {
			return fmt.Errorf("%s once: %w", o.Once, err)
		}
		if r.Newswatch.Exit != 0 {
			return fmt.Errorf("%s once: exit status %d (see daemon.log)", o.Once, r.Newswatch.Exit)
		}
		total, err := countItems(ctx, filepath.Join(filepath.Dir(config), "data", databaseFile))
		if err != nil {
			return err
		}
		r.NewItems, items = total-items, total
		if r2e != nil {
			run, err := r2e.run(ctx)
			if err != nil {
				return err
			}
			r.R2E = &run
		}
		res.Once = append(res.Once, r)
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "round %d: newswatch once %.2f CPU s (%d new items)", n, r.Newswatch.CPUSecs, r.NewItems)
			if r.R2E != nil {
				fmt.Fprintf(o.Progress, ", rss2email %.2f CPU s", r.R2E.CPUSecs)
			}
			fmt.Fprintln(o.Progress)
		}
	}
	return nil
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
