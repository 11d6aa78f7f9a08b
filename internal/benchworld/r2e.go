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

// runR2E runs `r2e run --no-send` once over every feed of the world, as
// it stands in the first round, so that every item is new to it as it is
// to the daemon. rss2email fetches, parses and builds an email of each new
// item, but sends nothing.
func runR2E(ctx context.Context, dir string, world *worldProcess, specs []*feedSpec, info RoundInfo) (*R2EResult, error) {
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
	cfgPath := filepath.Join(home, "rss2email.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		return nil, err
	}
	res := &R2EResult{Items: info.Items}
	if out, err := exec.CommandContext(ctx, bin, "--version").Output(); err == nil {
		res.Version = strings.TrimSpace(string(out))
	}
	cmd := exec.CommandContext(ctx, bin, "-c", cfgPath, "-d", filepath.Join(home, "rss2email.json"), "run", "--no-send")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
		return nil, fmt.Errorf("r2e: %w", err)
	}
	res.WallSecs = time.Since(start).Seconds()
	res.CPUSecs = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	os.WriteFile(filepath.Join(home, "r2e.log"), stderr.Bytes(), 0o644)
	return res, nil
}
