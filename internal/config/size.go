package config

import (
	"fmt"
	"math/big"
	"strings"
)

// sizeUnits are the units ParseSize knows, by lower-case name: decimal
// ones (kB = 1000 bytes, as in SI) and binary ones (KiB = 1024 bytes, as in
// IEC 80000-13).
var sizeUnits = map[string]int64{
	"":    1,
	"b":   1,
	"kb":  1e3,
	"mb":  1e6,
	"gb":  1e9,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
}

// ParseSize parses an amount of bytes: a number, optionally with a
// fraction, and a unit, B, kB, MB, GB (powers of 1000) or KiB, MiB, GiB
// (powers of 1024), case-insensitive, with an optional space between them:
// "10MiB", "512 KiB", "1.5GB", "65536". The result must be a whole number of
// bytes.
func ParseSize(s string) (int64, error) {
	invalid := fmt.Errorf(`invalid size %q: want a number of bytes or a number and a unit (B, kB, MB, GB, KiB, MiB, GiB), e.g. "10MiB"`, s)
	end := strings.IndexFunc(s, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
	if end < 0 {
		end = len(s)
	}
	num, unit := s[:end], strings.ToLower(strings.TrimPrefix(s[end:], " "))
	mult, ok := sizeUnits[unit]
	if !ok || !isDecimal(num) {
		return 0, invalid
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, invalid
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	if !r.IsInt() {
		return 0, fmt.Errorf("size %q is not a whole number of bytes", s)
	}
	n := r.Num()
	if !n.IsInt64() {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n.Int64(), nil
}

// isDecimal reports whether s is digits with at most one inner '.'.
func isDecimal(s string) bool {
	whole, frac, hasDot := strings.Cut(s, ".")
	return whole != "" && !strings.Contains(frac, ".") && (!hasDot || frac != "")
}
