package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/config"
)

func TestReport(t *testing.T) {
	diags := config.Diagnostics{{Pos: config.Pos{File: "a.toml", Line: 2, Col: 3}, Msg: "bad"}}
	tests := []struct {
		name           string
		err            error
		status         int
		stdout, stderr string
	}{
		{"success", nil, 0, "", ""},
		{"help", flag.ErrHelp, 0, "", ""},
		{"plain", errors.New("it broke"), 1, "", "newswatch feeds add: it broke\n"},
		{"usage", UsageError("-n must not be negative"), 1, "",
			"newswatch feeds add: -n must not be negative\nRun 'newswatch feeds add -h' for usage.\n"},
		{"diagnostics", diags, 1, "", "a.toml:2:3: bad\n"},
		{"verbatim", Verbatim(errors.New("x.toml: no such file")), 1, "", "x.toml: no such file\n"},
		{"unnamed", Unnamed(errors.New("data_dir: denied")), 1, "", "newswatch: data_dir: denied\n"},
		{"status only", Exit(2, nil), 2, "", ""},
		{"status and message", Exit(0, errors.New("nothing stored yet")), 0, "", "newswatch feeds add: nothing stored yet\n"},
		{"on stdout", OnStdout(diags), 1, "a.toml:2:3: bad\n", ""},
		{"several", Failures{errors.New("no alert 3"), fmt.Errorf("alert %d was delivered", 4)}, 1, "",
			"newswatch feeds add: no alert 3\nnewswatch feeds add: alert 4 was delivered\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			p := &Program{Name: "newswatch"}
			status := p.report(&IO{Stdout: &stdout, Stderr: &stderr}, "feeds add", tc.err)
			if status != tc.status || stdout.String() != tc.stdout || stderr.String() != tc.stderr {
				t.Errorf("report = %d, stdout %q, stderr %q; want %d, %q, %q",
					status, stdout.String(), stderr.String(), tc.status, tc.stdout, tc.stderr)
			}
		})
	}
}
