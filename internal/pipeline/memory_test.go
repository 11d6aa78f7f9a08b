package pipeline

import (
	"bytes"
	"log/slog"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/config"
)

// TestTuneMemory checks that TuneMemory sets the limit and GOGC, and
// leaves what the environment sets to it.
func TestTuneMemory(t *testing.T) {
	// The settings are the process's: put them back.
	limit, percent := debug.SetMemoryLimit(-1), debug.SetGCPercent(100)
	debug.SetGCPercent(percent)
	t.Cleanup(func() {
		debug.SetMemoryLimit(limit)
		debug.SetGCPercent(percent)
	})
	d := config.Daemon{MemoryLimit: 300 << 20}
	for _, tc := range []struct {
		name        string
		env         map[string]string
		wantLimit   int64
		wantPercent int
		wantLog     string
	}{
		{"defaults", nil, 300 << 20, GCPercent, ""},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, 123 << 20, GCPercent, "GOMEMLIMIT is set"},
		{"GOGC set", map[string]string{"GOGC": "50"}, 300 << 20, 77, "GOGC is set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// What the runtime would have read from the environment.
			debug.SetMemoryLimit(123 << 20)
			debug.SetGCPercent(77)
			var log bytes.Buffer
			TuneMemory(d, func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok },
				slog.New(slog.NewTextHandler(&log, nil)))
			if got := debug.SetMemoryLimit(-1); got != tc.wantLimit {
				t.Errorf("memory limit %d, want %d", got, tc.wantLimit)
			}
			if got := debug.SetGCPercent(77); got != tc.wantPercent {
				t.Errorf("GOGC %d, want %d", got, tc.wantPercent)
			}
			if !strings.Contains(log.String(), tc.wantLog) || (tc.wantLog == "" && log.Len() > 0) {
				t.Errorf("log %q, want %q", log.String(), tc.wantLog)
			}
		})
	}
}

// TestHugePagesDisabled checks the reading of GODEBUG's disablethp.
func TestHugePagesDisabled(t *testing.T) {
	for _, tc := range []struct {
		godebug string
		want    bool
	}{
		{"", false},
		{"disablethp=1", true},
		{"gctrace=1,disablethp=1", true},
		{"disablethp=0", false},
		{"disablethp=1,disablethp=0", false},
		{"xdisablethp=1", false},
	} {
		t.Run(tc.godebug, func(t *testing.T) {
			if got := hugePagesDisabled(tc.godebug); got != tc.want {
				t.Errorf("hugePagesDisabled(%q) = %v, want %v", tc.godebug, got, tc.want)
			}
		})
	}
}
