package benchworld

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// R2EResult is rss2email's run over the first round's documents.
type R2EResult struct {
	Version  string  `json:"version"`
	Items    int     `json:"items"`
	WallSecs float64 `json:"wall_secs"`
	CPUSecs  float64 `json:"cpu_secs"` // user and system time of the r2e process
}

// rss2email runs `r2e run --no-send` over every feed of the world, with
// its configuration and state in a directory of its own, kept from one run
// to the next as a cron job's would be. rss2email fetches (conditionally,
// with the ETag and Last-Modified it kept), parses and builds an email of
// each new item, but sends nothing.
type rss2email struct {
	bin, cfg, data, log string
	version             string
}

// newRSS2Email writes rss2email's configuration for the world's feeds in
// dir/rss2email.
func newRSS2Email(ctx context.Context, dir string, world *worldProcess, specs []*feedSpec) (*rss2email, error) {
	bin, err := exec.LookPath("r2e")
	if err != nil {
		return nil, fmt.Errorf("-r2e: %w (on Debian: apt-get install rss2email)", err)
	}
	var cfg strings.Builder
	cfg.WriteString("[DEFAULT]\nfrom = bench@example.invalid\nto = bench@example.invalid\n" +
		"same-server-fetch-interval = 0\nfeed-timeout = 120\n")
	for _, f := range specs {
		fmt.Fprintf(&cfg, "\n[feed.%s]\nurl = %s\n", f.Name, world.feedURL(f))
	}
	home := filepath.Join(dir, "rss2email")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	r := &rss2email{bin: bin, cfg: filepath.Join(home, "rss2email.cfg"), data: filepath.Join(home, "rss2email.json"),
		log: filepath.Join(home, "r2e.log")}
	if err := os.WriteFile(r.cfg, []byte(cfg.String()), 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.CommandContext(ctx, bin, "--version").Output(); err == nil {
		r.version = strings.TrimSpace(string(out))
	}
	return r, nil
}

// run runs r2e once and returns its wall and CPU time; its standard error
// is appended to r2e.log.
func (r *rss2email) run(ctx context.Context) (ProcessRun, error) {
	cmd := exec.CommandContext(ctx, r.bin, "-c", r.cfg, "-d", r.data, "run", "--no-send")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	run, err := runProcess(cmd)
	if f, ferr := os.OpenFile(r.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); ferr == nil {
		f.Write(stderr.Bytes())
		f.Close()
	}
	if err != nil {
		return run, fmt.Errorf("r2e: %w", err)
	}
	return run, nil
}

// runR2E runs rss2email once over the world as it stands in the first
// round, so that every item is new to it as it is to the daemon.
func runR2E(ctx context.Context, dir string, world *worldProcess, specs []*feedSpec, info RoundInfo) (*R2EResult, error) {
	r, err := newRSS2Email(ctx, dir, world, specs)
	if err != nil {
		return nil, err
	}
	run, err := r.run(ctx)
	if err != nil {
		return nil, err
	}
	return &R2EResult{Version: r.version, Items: info.Items, WallSecs: run.WallSecs, CPUSecs: run.CPUSecs}, nil
}

// ProcessRun is what one run of a program cost: its wall time, the user
// and system time of the process (getrusage of the child), its peak
// resident set, and its exit status.
type ProcessRun struct {
	WallSecs float64 `json:"wall_secs"`
	CPUSecs  float64 `json:"cpu_secs"`
	MaxRSS   int64   `json:"max_rss_bytes"`
	Exit     int     `json:"exit"`
}

// runProcess runs cmd to its end and measures it. An exit status other
// than 0 is no error here: the caller decides.
func runProcess(cmd *exec.Cmd) (ProcessRun, error) {
	start := time.Now()
	err := cmd.Run()
	if cmd.ProcessState == nil {
		return ProcessRun{}, err
	}
	ps := cmd.ProcessState
	return ProcessRun{
		WallSecs: time.Since(start).Seconds(),
		CPUSecs:  (ps.UserTime() + ps.SystemTime()).Seconds(),
		MaxRSS:   childMaxRSS(ps),
		Exit:     ps.ExitCode(),
	}, nil
}
