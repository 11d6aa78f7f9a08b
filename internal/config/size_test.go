package config

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"65536", 65536},
		{"1B", 1},
		{"512KiB", 512 << 10},
		{"512 KiB", 512 << 10},
		{"10MiB", 10 << 20},
		{"10mib", 10 << 20},
		{"1GiB", 1 << 30},
		{"1kB", 1000},
		{"1KB", 1000},
		{"10MB", 10_000_000},
		{"1.5GB", 1_500_000_000},
		{"1.5KiB", 1536},
		{"0", 0},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseSizeErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "invalid size"},
		{"10M", "invalid size"},
		{"10 mb x", "invalid size"},
		{"MiB", "invalid size"},
		{"-1MiB", "invalid size"},
		{"1.MiB", "invalid size"},
		{"1.2.3MiB", "invalid size"},
		{"1e6", "invalid size"},
		{"10  MiB", "invalid size"},
		{"0.5B", "not a whole number of bytes"},
		{"1.0001KiB", "not a whole number of bytes"},
		{"99999999999GiB", "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			n, err := ParseSize(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("ParseSize(%q) = %d, %v; want an error with %q", tc.in, n, err, tc.msg)
			}
		})
	}
}
