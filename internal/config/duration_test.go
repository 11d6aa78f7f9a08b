package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"-0", 0},
		{"90s", 90 * time.Second},
		{"1h30m", 90 * time.Minute},
		{"250ms", 250 * time.Millisecond},
		{"1.5h", 90 * time.Minute},
		{"30d", 30 * day},
		{"1d12h", 36 * time.Hour},
		{"1.5d", 36 * time.Hour},
		{"0.1d", 144 * time.Minute},
		{"2d0h30m", 2*day + 30*time.Minute},
		{"-1d", -day},
		{"+5m", 5 * time.Minute},
		{"10us", 10 * time.Microsecond},
		{"10µs", 10 * time.Microsecond},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseDurationErrors(t *testing.T) {
	for _, in := range []string{"", "5", "d", "1dd", "1w", "1 d", " 1d", "1d ", "h1", "--1d", "1d-1h", "1e3s", "106752d", "99999999999999999999d"} {
		t.Run(in, func(t *testing.T) {
			if d, err := ParseDuration(in); err == nil {
				t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
			} else if !strings.Contains(err.Error(), "duration") {
				t.Errorf("error %q does not say what was expected", err)
			}
		})
	}
}

// FuzzParseDuration checks that on Go's syntax (no "d" unit) ParseDuration
// agrees with time.ParseDuration.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"0", "1h30m", "1.5s", "-2m", "+3ns", ".5h", "1..5h", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.Contains(s, "d") {
			return
		}
		got, err := ParseDuration(s)
		want, wantErr := time.ParseDuration(s)
		if (err == nil) != (wantErr == nil) || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; time.ParseDuration: %v, %v", s, got, err, want, wantErr)
		}
	})
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{30 * time.Second, "30s"},
		{5 * time.Minute, "5m"},
		{6 * time.Hour, "6h"},
		{90 * time.Minute, "1h30m"},
		{720 * time.Hour, "30d"},
		{36 * time.Hour, "1d12h"},
		{24*time.Hour + time.Second, "24h0m1s"},
	}
	for _, tc := range tests {
		if got := formatDuration(tc.in); got != tc.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if back, err := ParseDuration(formatDuration(tc.in)); err != nil || back != tc.in {
			t.Errorf("ParseDuration(formatDuration(%v)) = %v, %v", tc.in, back, err)
		}
	}
}
