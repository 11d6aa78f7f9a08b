package config

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// ParseDuration parses a duration in Go's syntax ("90s", "1h30m", "250ms")
// extended with a "d" unit of 24 hours ("30d", "1d12h", "1.5d"). Days are
// always 24 hours: configuration durations are intervals, not calendar
// dates. A leading sign is allowed; "0" needs no unit.
func ParseDuration(s string) (time.Duration, error) {
	invalid := fmt.Errorf(`invalid duration %q: want a number and a unit (ns, us, ms, s, m, h, d), e.g. "90s", "1h30m", "7d"`, s)
	rest, neg := s, false
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	if rest == "0" {
		return 0, nil
	}
	if rest == "" {
		return 0, invalid
	}
	var total time.Duration
	for rest != "" {
		num := strings.IndexFunc(rest, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
		if num <= 0 {
			return 0, invalid
		}
		unit := strings.IndexAny(rest[num:], ".0123456789")
		if unit < 0 {
			unit = len(rest) - num
		}
		component := rest[:num+unit]
		rest = rest[num+unit:]

		var d time.Duration
		var err error
		if strings.HasSuffix(component, "d") && unit == 1 {
			d, err = parseDays(component[:num])
		} else {
			d, err = time.ParseDuration(component)
		}
		if err != nil {
			return 0, invalid
		}
		if total > math.MaxInt64-d {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		total += d
	}
	if neg {
		total = -total
	}
	return total, nil
}

// parseDays converts a decimal number of days to a duration, exactly: the
// number is read as hours by time.ParseDuration and multiplied by 24.
func parseDays(num string) (time.Duration, error) {
	h, err := time.ParseDuration(num + "h")
	if err != nil {
		return 0, err
	}
	if h > math.MaxInt64/24 {
		return 0, errors.New("too long")
	}
	return 24 * h, nil
}

// formatDuration is the inverse of ParseDuration for messages and docs:
// whole days are written with "d" ("30d", "1d12h").
func formatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d < day || d%time.Hour != 0 {
		return shortDuration(d)
	}
	days, rest := d/day, d%day
	if rest == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%s", days, shortDuration(rest))
}

// shortDuration formats d like time.Duration.String without the zero
// minutes and seconds it appends ("5m" rather than "5m0s").
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
