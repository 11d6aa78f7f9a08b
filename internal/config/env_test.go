package config

import (
	"reflect"
	"strings"
	"testing"
)

// lookup returns an environment lookup over pairs of names and values.
func lookup(pairs ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func TestExpandEnv(t *testing.T) {
	env := lookup("TOKEN", "xoxb-1", "EMPTY", "", "DOLLAR", "${TOKEN}", "HOME", "/home/nw")
	tests := []struct {
		in, want string
		names    []string
	}{
		{"plain", "plain", nil},
		{"${TOKEN}", "xoxb-1", []string{"TOKEN"}},
		{"Bearer ${TOKEN}!", "Bearer xoxb-1!", []string{"TOKEN"}},
		{"${HOME}/data/${EMPTY}x", "/home/nw/data/x", []string{"HOME", "EMPTY"}},
		{"${EMPTY}", "", []string{"EMPTY"}},
		{"$${TOKEN}", "${TOKEN}", nil},
		{"a$${b}c", "a${b}c", nil},
		{"$$${TOKEN}", "$${TOKEN}", nil},
		{"$TOKEN $ {TOKEN} $", "$TOKEN $ {TOKEN} $", nil},
		{"${DOLLAR}", "${TOKEN}", []string{"DOLLAR"}}, // values are not expanded again
		{"سوريا ${TOKEN}", "سوريا xoxb-1", []string{"TOKEN"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, names, problems := expandEnv(tc.in, env)
			if got != tc.want || !reflect.DeepEqual(names, tc.names) || len(problems) != 0 {
				t.Errorf("expandEnv(%q) = %q, %q, %v; want %q, %q", tc.in, got, names, problems, tc.want, tc.names)
			}
		})
	}
}

func TestExpandEnvProblems(t *testing.T) {
	env := lookup("SET", "v")
	tests := []struct {
		in   string
		offs []int
		msgs []string
	}{
		{"${UNSET}", []int{0}, []string{"environment variable UNSET is not set"}},
		{"x ${SET} ${UNSET} ${ALSO_UNSET}", []int{9, 18}, []string{"UNSET is not set", "ALSO_UNSET is not set"}},
		{"abc ${SET", []int{4}, []string{`"${" is not closed by "}"`}},
		{"${}", []int{0}, []string{"${} is not an environment variable reference"}},
		{"${1X}", []int{0}, []string{"${1X} is not"}},
		{"${A-B} ${C:-d}", []int{0, 7}, []string{"${A-B} is not", "${C:-d} is not"}},
		{"${NAME WITH SPACE}", []int{0}, []string{"is not an environment variable reference"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, _, problems := expandEnv(tc.in, env)
			if len(problems) != len(tc.offs) {
				t.Fatalf("expandEnv(%q) problems = %v, want %d", tc.in, problems, len(tc.offs))
			}
			for i, p := range problems {
				if p.off != tc.offs[i] || !strings.Contains(p.msg, tc.msgs[i]) {
					t.Errorf("problem %d = %d %q, want %d %q", i, p.off, p.msg, tc.offs[i], tc.msgs[i])
				}
				if !strings.Contains(p.msg, "$${") {
					t.Errorf("problem %q does not say how to write a literal ${", p.msg)
				}
			}
		})
	}
}
