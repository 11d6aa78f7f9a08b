package config

import (
	"strconv"
	"unicode/utf8"
)

// sourceOffset maps target, a byte offset in the decoded value of the TOML
// string token raw (quotes included), to the offset in raw of the source
// text that produced that byte. It follows the TOML 1.0/1.1 string forms:
// basic strings with escapes, literal strings, their multi-line forms, the
// newline trimmed after opening triple quotes, and line-ending backslashes.
func sourceOffset(raw []byte, target int) int {
	if len(raw) < 2 {
		return 0
	}
	quote := raw[0]
	basic := quote == '"'
	multi := len(raw) >= 6 && raw[1] == quote && raw[2] == quote
	i, end := 1, len(raw)-1
	if multi {
		i, end = 3, len(raw)-3
		if i < end && raw[i] == '\n' {
			i++
		} else if i+1 < end && raw[i] == '\r' && raw[i+1] == '\n' {
			i += 2
		}
	}
	n := 0 // decoded bytes before raw[i]
	for i < end {
		if n >= target {
			return i
		}
		if !basic || raw[i] != '\\' || i+1 >= end {
			n++
			i++
			continue
		}
		if multi {
			if j, ok := lineEndingBackslash(raw, i+1, end); ok {
				i = j
				continue
			}
		}
		width, produced := escape(raw[i+1 : end])
		if target < n+produced {
			return i
		}
		n += produced
		i += width
	}
	return i
}

// lineEndingBackslash reports whether the backslash before raw[j] ends a
// line of a multi-line basic string, and if so where the trimmed whitespace
// after it ends.
func lineEndingBackslash(raw []byte, j, end int) (int, bool) {
	for j < end && (raw[j] == ' ' || raw[j] == '\t') {
		j++
	}
	if j >= end || (raw[j] != '\n' && raw[j] != '\r') {
		return 0, false
	}
	for j < end && (raw[j] == ' ' || raw[j] == '\t' || raw[j] == '\n' || raw[j] == '\r') {
		j++
	}
	return j, true
}

// escape returns how many source bytes the escape sequence whose letter
// starts rest takes (backslash included) and how many bytes it decodes to.
func escape(rest []byte) (width, produced int) {
	digits := 0
	switch rest[0] {
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	default:
		return 2, 1
	}
	if len(rest) < 1+digits {
		return 1 + len(rest), 1
	}
	v, err := strconv.ParseUint(string(rest[1:1+digits]), 16, 32)
	if err != nil {
		return 2 + digits, 1
	}
	l := utf8.RuneLen(rune(v))
	if l < 0 {
		l = 3 // invalid code points decode to U+FFFD
	}
	return 2 + digits, l
}
