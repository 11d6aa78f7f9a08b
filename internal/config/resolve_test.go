package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name, flag, env string
		local           bool // ./config.toml exists
		want            string
	}{
		{name: "flag wins", flag: "a.toml", env: "b.toml", local: true, want: "a.toml"},
		{name: "environment", env: "/srv/b.toml", local: true, want: "/srv/b.toml"},
		{name: "working directory", local: true, want: LocalFile},
		{name: "system", want: SystemFile},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(name string) string {
				if name == EnvConfig {
					return tc.env
				}
				return ""
			}
			exists := func(path string) bool { return tc.local && path == LocalFile }
			if got := Resolve(tc.flag, getenv, exists); got != tc.want {
				t.Errorf("Resolve = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestResolveChecksTheWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	noEnv := func(string) string { return "" }
	if got := Resolve("", noEnv, nil); got != SystemFile {
		t.Errorf("without ./config.toml: %q, want %q", got, SystemFile)
	}
	if err := os.Mkdir(filepath.Join(dir, LocalFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := Resolve("", noEnv, nil); got != SystemFile {
		t.Errorf("with a directory named config.toml: %q, want %q", got, SystemFile)
	}
	if err := os.Remove(filepath.Join(dir, LocalFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, LocalFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Resolve("", noEnv, nil); got != LocalFile {
		t.Errorf("with ./config.toml: %q, want %q", got, LocalFile)
	}
}
