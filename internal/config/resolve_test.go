package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLocate(t *testing.T) {
	tests := []struct {
		name, flag, env string
		files           []string // files that exist
		want            string
		tried           []Place // when no file is found
	}{
		{name: "flag wins", flag: "a.toml", env: "b.toml", files: []string{"a.toml", "b.toml", LocalFile}, want: "a.toml"},
		{name: "environment", env: "/srv/b.toml", files: []string{"/srv/b.toml", LocalFile}, want: "/srv/b.toml"},
		{name: "working directory", files: []string{LocalFile, SystemFile}, want: LocalFile},
		{name: "system", files: []string{SystemFile}, want: SystemFile},
		{name: "nothing anywhere", tried: []Place{
			{Where: "-config", Problem: "not given"},
			{Where: "$NEWSWATCH_CONFIG", Problem: "not set"},
			{Where: "./config.toml", Path: LocalFile, Problem: "no such file"},
			{Where: SystemFile, Path: SystemFile, Problem: "no such file"},
		}},
		{name: "missing flag file does not fall back", flag: "a.toml", files: []string{LocalFile}, tried: []Place{
			{Where: "-config", Path: "a.toml", Problem: "no such file"},
		}},
		{name: "missing variable file does not fall back", env: "/srv/b.toml", files: []string{LocalFile}, tried: []Place{
			{Where: "-config", Problem: "not given"},
			{Where: "$NEWSWATCH_CONFIG", Path: "/srv/b.toml", Problem: "no such file"},
		}},
		{name: "a directory is not a file", files: []string{LocalFile + "/x"}, tried: []Place{
			{Where: "-config", Problem: "not given"},
			{Where: "$NEWSWATCH_CONFIG", Problem: "not set"},
			{Where: "./config.toml", Path: LocalFile, Problem: "is a directory"},
			{Where: SystemFile, Path: SystemFile, Problem: "no such file"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(name string) string {
				if name == EnvConfig {
					return tc.env
				}
				return ""
			}
			got, err := Locate(tc.flag, getenv, fakeStat(tc.files))
			if tc.tried == nil {
				if err != nil || got != tc.want {
					t.Errorf("Locate = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			nf, ok := errors.AsType[*NotFoundError](err)
			if !ok || !errors.Is(err, ErrNotFound) {
				t.Fatalf("Locate = %q, %v; want a *NotFoundError", got, err)
			}
			if len(nf.Tried) != len(tc.tried) {
				t.Fatalf("tried %+v, want %+v", nf.Tried, tc.tried)
			}
			for i := range tc.tried {
				if nf.Tried[i] != tc.tried[i] {
					t.Errorf("tried[%d] = %+v, want %+v", i, nf.Tried[i], tc.tried[i])
				}
			}
		})
	}
}

// fakeStat stats paths in a file system holding files (and the
// directories above them), with paths as Locate gives them.
func fakeStat(files []string) func(string) (fs.FileInfo, error) {
	fsys := fstest.MapFS{}
	for _, f := range files {
		fsys[strings.TrimPrefix(f, "/")] = &fstest.MapFile{}
	}
	return func(path string) (fs.FileInfo, error) {
		return fs.Stat(fsys, strings.TrimPrefix(path, "/"))
	}
}

func TestNotFoundErrorNamesEveryPlace(t *testing.T) {
	_, err := Locate("", func(string) string { return "" }, fakeStat(nil))
	want := `no configuration file found; looked at, in order:
  -config: not given
  $NEWSWATCH_CONFIG: not set
  ./config.toml: no such file
  /etc/newswatch/config.toml: no such file
name a configuration file with -config FILE; to try newswatch from its source tree, use -config config.example.toml`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	_, err = Locate("", func(string) string { return "/srv/nw.toml" }, fakeStat(nil))
	if err == nil || !strings.Contains(err.Error(), "$NEWSWATCH_CONFIG = /srv/nw.toml: no such file") {
		t.Errorf("error does not name the variable's file: %v", err)
	}
}

func TestLocateChecksTheWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	noEnv := func(string) string { return "" }
	stat := func(path string) (fs.FileInfo, error) {
		if path == SystemFile { // whatever this machine has there
			return nil, fs.ErrNotExist
		}
		return os.Stat(path)
	}
	if _, err := Locate("", noEnv, stat); !errors.Is(err, ErrNotFound) {
		t.Errorf("without ./config.toml: %v, want ErrNotFound", err)
	}
	if err := os.Mkdir(filepath.Join(dir, LocalFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Locate("", noEnv, stat); err == nil || !strings.Contains(err.Error(), "./config.toml: is a directory") {
		t.Errorf("with a directory named config.toml: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, LocalFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, LocalFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := Locate("", noEnv, stat); err != nil || got != LocalFile {
		t.Errorf("with ./config.toml: %q, %v; want %q", got, err, LocalFile)
	}
}
