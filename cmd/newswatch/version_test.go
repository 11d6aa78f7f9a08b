package main

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
)

// runCmd runs newswatch with args in-process and returns its exit status,
// standard output and standard error.
func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	sio := &IO{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr, LookupEnv: func(string) (string, bool) { return "", false }}
	code := run(context.Background(), args, sio)
	return code, stdout.String(), stderr.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "newswatch ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("version: exit %d, output %q", code, out)
	}
}

func TestUnknownCommand(t *testing.T) {
	code, out, errOut := runCmd(t, "", "frobnicate")
	if code != 1 || out != "" || !strings.Contains(errOut, `unknown command "frobnicate"`) || !strings.Contains(errOut, "version") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := runCmd(t, "", "-h")
	if code != 0 || !strings.Contains(out, "Commands:") {
		t.Errorf("exit %d, output %q", code, out)
	}
	code, _, errOut := runCmd(t, "", "version", "-h")
	if code != 0 || !strings.Contains(errOut, "Usage: newswatch version") {
		t.Errorf("version -h: exit %d, stderr %q", code, errOut)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, cmd := range [][]string{
		{"run"}, {"once"}, {"check"}, {"health"}, {"backtest"},
		{"alerts"}, {"alerts", "list"}, {"alerts", "retry"},
		{"feeds"}, {"feeds", "list"}, {"feeds", "add"}, {"feeds", "import"}, {"feeds", "export"}, {"feeds", "test"},
		{"rules"}, {"rules", "test"},
	} {
		name := strings.Join(cmd, " ")
		want := strings.SplitN(help(name), "\n", 2)[0]
		code, _, errOut := runCmd(t, "", append(cmd, "-h")...)
		if code != 0 || !strings.Contains(errOut, "Usage: newswatch "+name) || !strings.Contains(errOut, want) {
			t.Errorf("%s -h: exit %d, usage:\n%s", name, code, errOut)
		}
	}
}
