package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestProgramRun(t *testing.T) {
	p := &Program{Name: "prog", About: "prog does things."}
	var ran []string
	cmd := func(name string, err error) Func {
		return func(_ context.Context, args []string, sio *IO) error {
			fs := p.FlagSet(name, name+" [-v]", "Does "+name+".", sio.Stderr)
			fs.Bool("v", false, "verbose")
			rest, perr := ParseArgs(fs, args)
			if perr != nil {
				return perr
			}
			ran = append(ran, name+" "+strings.Join(rest, " "))
			return err
		}
	}
	p.Register("ping", "answer", cmd("ping", nil))
	p.RegisterGroup("feeds", "manage feeds", "Manages feeds.",
		Sub{Name: "list", Run: cmd("feeds list", errors.New("no database"))},
		Sub{Name: "add", Run: cmd("feeds add", nil)})

	tests := []struct {
		args           []string
		status         int
		stdout, stderr string // contained
		ran            string
	}{
		{nil, 1, "", "Usage:\n  prog <command> [flags]", ""},
		{[]string{"help"}, 0, "prog does things.\n\nUsage:", "", ""},
		{[]string{"pong"}, 1, "", "prog: unknown command \"pong\"\n\nprog does things.", ""},
		{[]string{"ping", "x", "-v"}, 0, "", "", "ping x"},
		{[]string{"ping", "-h"}, 0, "", "Usage: prog ping [-v]\n\nDoes ping.\n\nFlags:\n  -v\tverbose", ""},
		{[]string{"ping", "-nope"}, 1, "", "flag provided but not defined: -nope", ""},
		{[]string{"feeds", "add", "u"}, 0, "", "", "feeds add u"},
		{[]string{"feeds", "list"}, 1, "", "prog feeds list: no database\n", "feeds list "},
		{[]string{"feeds"}, 1, "", "prog feeds: missing sub-command: list or add\nRun 'prog feeds -h' for usage.\n", ""},
		{[]string{"feeds", "drop"}, 1, "", `prog feeds: unknown sub-command "drop": want list or add`, ""},
		{[]string{"feeds", "-h"}, 0, "", "Usage: prog feeds list|add [flags]\n\nManages feeds.", ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			ran = nil
			var stdout, stderr strings.Builder
			status := p.Run(context.Background(), tc.args, &IO{Stdout: &stdout, Stderr: &stderr})
			if status != tc.status || !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("status %d, stdout %q, stderr %q; want %d, %q, %q", status, stdout.String(), stderr.String(), tc.status, tc.stdout, tc.stderr)
			}
			if got := strings.Join(ran, ";"); got != tc.ran {
				t.Errorf("ran %q, want %q", got, tc.ran)
			}
		})
	}
}
