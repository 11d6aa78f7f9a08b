package config

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// The readers below turn one raw value into a typed one. Each returns
// ok=false when the key is absent or its value is wrong; in the second
// case it has recorded an error, and the caller keeps the default so that
// one mistake does not cause others.

// str reads a string and expands its ${VAR} references.
func (b *builder) str(v any, path ...any) (string, bool) {
	if v == nil {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		b.errorf(path, "%s must be a string, not %s", keyName(path), describe(v))
		return "", false
	}
	return b.expand(s, path)
}

// expand replaces the ${VAR} references of s, the string value at path,
// and reports each faulty reference at its "$".
func (b *builder) expand(s string, path []any) (string, bool) {
	out, _, problems := expandEnv(s, b.lookupEnv)
	for _, p := range problems {
		b.errorAt(b.doc.StringPos(p.off, path...), "%s", p.msg)
	}
	return out, len(problems) == 0
}

// requiredStr reads a string that must be present and not empty; why says
// what the value is for, in the error when it is missing or empty.
func (b *builder) requiredStr(v any, why string, path ...any) (string, bool) {
	if v == nil {
		b.errorf(path, "missing %s: %s", keyName(path), why)
		return "", false
	}
	s, ok := b.str(v, path...)
	if ok && s == "" {
		b.emptyError(v, why, path)
		return "", false
	}
	return s, ok
}

// nonEmptyStr reads an optional string that must not be empty when set.
func (b *builder) nonEmptyStr(v any, why string, path ...any) (string, bool) {
	s, ok := b.str(v, path...)
	if ok && s == "" {
		b.emptyError(v, why, path)
		return "", false
	}
	return s, ok
}

// emptyError reports that the string value v at path is empty, naming the
// environment variables that made it so.
func (b *builder) emptyError(v any, why string, path []any) {
	raw, _ := v.(string)
	if _, names, _ := expandEnv(raw, b.lookupEnv); len(names) > 0 {
		refs := make([]string, len(names))
		for i, n := range names {
			refs[i] = "${" + n + "}"
		}
		b.errorf(path, "%s is empty after expanding %s: %s", keyName(path), strings.Join(refs, ", "), why)
		return
	}
	b.errorf(path, "%s is empty: %s", keyName(path), why)
}

// strs reads an array of strings, expanding ${VAR} references in each.
// When each is not nil, it checks every string element, given with its
// path, and reports whether it is valid; the result holds the valid
// elements, and ok is false when any element is not.
func (b *builder) strs(v any, each func(s string, path []any) bool, path ...any) ([]string, bool) {
	if v == nil {
		return nil, false
	}
	arr, ok := v.([]any)
	if !ok {
		b.errorf(path, `%s must be an array of strings such as ["a", "b"], not %s`, keyName(path), describe(v))
		return nil, false
	}
	out := make([]string, 0, len(arr))
	good := true
	for i, e := range arr {
		ep := append(path[:len(path):len(path)], i)
		s, ok := e.(string)
		if !ok {
			b.errorf(ep, "%s must hold only strings, not %s", keyName(path), describe(e))
			good = false
			continue
		}
		if s, ok = b.expand(s, ep); ok && (each == nil || each(s, ep)) {
			out = append(out, s)
		} else {
			good = false
		}
	}
	return out, good
}

// boolean reads true or false.
func (b *builder) boolean(v any, path ...any) (bool, bool) {
	if v == nil {
		return false, false
	}
	t, ok := v.(bool)
	if !ok {
		hint := ""
		if s, isStr := v.(string); isStr && (s == "true" || s == "false") {
			hint = " (write " + s + " without quotes)"
		}
		b.errorf(path, "%s must be true or false, not %s%s", keyName(path), describe(v), hint)
		return false, false
	}
	return t, true
}

// integer reads an integer of at least least.
func (b *builder) integer(v any, least int64, path ...any) (int64, bool) {
	if v == nil {
		return 0, false
	}
	n, ok := v.(int64)
	if !ok {
		b.errorf(path, "%s must be an integer, not %s", keyName(path), describe(v))
		return 0, false
	}
	if n < least {
		b.errorf(path, "%s must be at least %d, not %d", keyName(path), least, n)
		return 0, false
	}
	return n, true
}

// positiveNumber reads a finite number greater than zero, integer or not.
func (b *builder) positiveNumber(v any, path ...any) (float64, bool) {
	var f float64
	switch n := v.(type) {
	case nil:
		return 0, false
	case int64:
		f = float64(n)
	case float64:
		f = n
	default:
		b.errorf(path, "%s must be a number, not %s", keyName(path), describe(v))
		return 0, false
	}
	if f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		b.errorf(path, "%s must be a number greater than zero, not %v", keyName(path), f)
		return 0, false
	}
	return f, true
}

// duration reads a duration that is not negative; zero is allowed.
func (b *builder) duration(v any, path ...any) (time.Duration, bool) {
	d, ok := b.anyDuration(v, path)
	if ok && d < 0 {
		b.errorf(path, "%s must not be negative", keyName(path))
		return 0, false
	}
	return d, ok
}

// positiveDuration reads a duration longer than zero.
func (b *builder) positiveDuration(v any, path ...any) (time.Duration, bool) {
	d, ok := b.anyDuration(v, path)
	if ok && d <= 0 {
		b.errorf(path, "%s must be longer than zero", keyName(path))
		return 0, false
	}
	return d, ok
}

const durationForms = `such as "90s", "30m", "24h" or "7d" (units ns, us, ms, s, m, h, d)`

func (b *builder) anyDuration(v any, path []any) (time.Duration, bool) {
	if v == nil {
		return 0, false
	}
	if n, isInt := v.(int64); isInt {
		b.errorf(path, "%s must be a duration in quotes, %s, not the bare number %d", keyName(path), durationForms, n)
		return 0, false
	}
	s, ok := b.str(v, path...)
	if !ok {
		return 0, false
	}
	d, err := ParseDuration(s)
	if err != nil {
		b.errorf(path, "%s must be a duration %s, not %q", keyName(path), durationForms, s)
		return 0, false
	}
	return d, true
}

// size reads an amount of bytes greater than zero: an integer, or a string
// that ParseSize accepts.
func (b *builder) size(v any, path ...any) (int64, bool) {
	const forms = `a number of bytes or a size such as "512KiB", "10MiB" or "1GB" (units B, kB, MB, GB, KiB, MiB, GiB)`
	var n int64
	switch x := v.(type) {
	case nil:
		return 0, false
	case int64:
		n = x
	case string:
		s, ok := b.expand(x, path)
		if !ok {
			return 0, false
		}
		var err error
		if n, err = ParseSize(s); err != nil {
			b.errorf(path, "%s must be %s, not %q", keyName(path), forms, s)
			return 0, false
		}
	default:
		b.errorf(path, "%s must be %s, not %s", keyName(path), forms, describe(v))
		return 0, false
	}
	if n <= 0 {
		b.errorf(path, "%s must be greater than zero", keyName(path))
		return 0, false
	}
	return n, true
}

// oneOf reads a string that must be one of choices.
func (b *builder) oneOf(v any, choices []string, path ...any) (string, bool) {
	s, ok := b.str(v, path...)
	if !ok {
		return "", false
	}
	for _, c := range choices {
		if s == c {
			return s, true
		}
	}
	b.errorf(path, "%s must be one of %s, not %q", keyName(path), strings.Join(choices, ", "), s)
	return "", false
}

// keyName quotes the last key of path for messages: `"schedule"`.
func keyName(path []any) string {
	for i := len(path) - 1; i >= 0; i-- {
		if k, ok := path[i].(string); ok {
			return strconv.Quote(k)
		}
	}
	return "value"
}

// describe names the TOML type of a decoded value, with an article.
func describe(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return "a date or time"
	}
}

// lineOf returns the line of the value at path, for messages that refer
// to another place in the file.
func (b *builder) lineOf(path ...any) int {
	return b.doc.Pos(path...).Line
}
