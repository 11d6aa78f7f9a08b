package config

import (
	"fmt"
	"strings"
)

// envProblem is a fault in a ${VAR} reference: the byte offset in the
// string where the reference starts (its "$") and what is wrong.
type envProblem struct {
	off int
	msg string
}

// expandEnv replaces every ${NAME} in s by the value lookup gives for NAME.
// "$${" stands for a literal "${"; any other "$" is kept as it is. The
// result is not scanned again, so a variable's value is used verbatim.
//
// It returns the expanded string, the names it referenced (in order, for
// messages about the result) and every problem: an unset variable, a
// malformed name, a reference that is not closed.
func expandEnv(s string, lookup func(string) (string, bool)) (string, []string, []envProblem) {
	if !strings.Contains(s, "${") {
		return s, nil, nil
	}
	var (
		b        strings.Builder
		names    []string
		problems []envProblem
	)
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			name, width, msg := envReference(s[i:])
			if msg != "" {
				problems = append(problems, envProblem{off: i, msg: msg})
				i += width
				continue
			}
			names = append(names, name)
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				problems = append(problems, envProblem{off: i, msg: fmt.Sprintf(
					"environment variable %s is not set (referenced as ${%s}; write $${ for a literal ${)", name, name)})
			}
			i += width
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), names, problems
}

// envReference parses the reference at the start of s, which starts with
// "${". It returns the variable's name and the reference's length, or a
// message saying what is wrong and how much of s to skip.
func envReference(s string) (name string, width int, msg string) {
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return "", len(s), `"${" is not closed by "}" (write $${ for a literal ${)`
	}
	name = s[2:end]
	if !isEnvName(name) {
		return "", end + 1, fmt.Sprintf(
			"${%s} is not an environment variable reference: a name is letters, digits and _, not starting with a digit (write $${ for a literal ${)", name)
	}
	return name, end + 1, ""
}

// isEnvName reports whether name is a portable environment variable name:
// ASCII letters, digits and underscores, not starting with a digit.
func isEnvName(name string) bool {
	if name == "" || ('0' <= name[0] && name[0] <= '9') {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
