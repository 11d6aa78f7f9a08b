package rules

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/newswatch/newswatch/internal/config"
)

// LoadDir loads every rule file (*.toml) of dir, in the order of their
// names, and returns the set of the rules that compiled together with every
// problem found, sorted by position. The caller decides whether errors are
// fatal: the daemon refuses to start on them and keeps its old rules on a
// reload, `newswatch check` prints them all. A directory without rule
// files is valid, with a warning; a missing one is an error.
func LoadDir(dir string) (*Set, config.Diagnostics) {
	return compileSource(readDir(dir))
}

// LoadPath loads the rules at path, which is either a directory (see
// LoadDir) or a single rule file of any name.
func LoadPath(path string) (*Set, config.Diagnostics) {
	return compileSource(readPath(path))
}

// NamesIn returns the names of every rule written at path (a rules
// directory or one rule file), in the order read: disabled rules, and
// rules with errors, too. Unreadable files add none.
func NamesIn(path string) []string {
	var names []string
	for _, fr := range readPath(path).rules {
		if fr.rule.Name != "" {
			names = append(names, fr.rule.Name)
		}
	}
	return names
}

// compileSource parses the query of every rule of src and builds the set of the
// rules that compiled. Query errors and warnings are placed inside the
// query string in the file.
func compileSource(src source) (*Set, config.Diagnostics) {
	diags := slices.Clone(src.diags)
	compiled := make([]Compiled, 0, len(src.rules))
	for _, fr := range src.rules {
		if strings.TrimSpace(fr.rule.Query) == "" {
			continue // reported as a missing or empty query
		}
		q, err := ParseQuery(fr.rule.Query)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				diags = append(diags, config.Diagnostic{Pos: fr.queryPos(se.Offset), Msg: se.Msg})
			} else {
				diags = append(diags, fr.doc.Errorf(fr.path("query"), "%v", err))
			}
			continue
		}
		for _, w := range q.Warnings() {
			diags = append(diags, config.Diagnostic{Pos: fr.queryPos(w.Offset), Warning: true, Msg: w.Msg})
		}
		if !fr.failed {
			compiled = append(compiled, Compiled{Rule: fr.rule, Query: q})
		}
	}
	diags.Sort()
	return NewSet(compiled), diags
}

// source is what reading a rules path found: the rules that decoded
// without error and the problems of the others, plus a fingerprint of the
// files read so that a watcher can tell a real change from a touch.
type source struct {
	rules       []fileRule
	diags       config.Diagnostics
	fingerprint [sha256.Size]byte
}

// isRuleFile reports whether name, a file name without directory, is a
// rule file: it ends in ".toml" and is not a hidden file or an editor's
// scratch file (".x.toml.swp", "x.toml~", "#x.toml#" and the like all fail
// one test or the other).
func isRuleFile(name string) bool {
	return strings.HasSuffix(name, ".toml") && len(name) > len(".toml") &&
		!strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "#")
}

// readPath reads the rules at path: every rule file of a directory, or one
// file (whatever its name) when path is a file.
func readPath(path string) source {
	info, err := os.Stat(path)
	if err != nil {
		return failedSource(path, err)
	}
	if !info.IsDir() {
		return readFiles([]string{path})
	}
	return readDir(path)
}

// readDir reads every rule file of dir, in the order of their names.
func readDir(dir string) source {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return failedSource(dir, err)
	}
	var files []string
	for _, e := range entries {
		if !isRuleFile(e.Name()) {
			continue
		}
		file := filepath.Join(dir, e.Name())
		// Follow symbolic links (configuration managers use them), but
		// leave out directories and other things that are not files.
		if info, err := os.Stat(file); err == nil && !info.Mode().IsRegular() {
			continue
		}
		files = append(files, file)
	}
	src := readFiles(files)
	if len(files) == 0 {
		src.diags = append(src.diags, config.Diagnostic{
			Pos:     config.Pos{File: dir},
			Warning: true,
			Msg:     "no rule files (*.toml) in this directory: nothing will match",
		})
	}
	return src
}

// readFiles reads and decodes files, in order, and reports rule names used
// more than once among them.
func readFiles(files []string) source {
	var src source
	h := sha256.New()
	for _, file := range files {
		data, err := os.ReadFile(file)
		fmt.Fprintf(h, "%q %d %v\n", file, len(data), err)
		h.Write(data)
		if err != nil {
			src.diags = append(src.diags, config.Diagnostic{Pos: config.Pos{File: file}, Msg: readError(err)})
			continue
		}
		rules, diags := decodeFile(file, data)
		src.rules = append(src.rules, rules...)
		src.diags = append(src.diags, diags...)
	}
	h.Sum(src.fingerprint[:0])
	src.diags = failDuplicates(src.rules, src.diags)
	return src
}

// failDuplicates fails every rule whose name an earlier rule already has,
// with an error naming both places.
func failDuplicates(rules []fileRule, diags config.Diagnostics) config.Diagnostics {
	first := make(map[string]fileRule, len(rules))
	for i, fr := range rules {
		if fr.rule.Name == "" {
			continue // reported as a rule without a name
		}
		if prev, ok := first[fr.rule.Name]; ok {
			diags = append(diags, fr.doc.Errorf(fr.path("name"),
				"rule name %q is already used at %s; names must be unique across all rule files",
				fr.rule.Name, prev.doc.Pos(prev.path("name")...)))
			rules[i].failed = true
			continue
		}
		first[fr.rule.Name] = fr
	}
	return diags
}

// failedSource is the source of a path that could not be read at all.
func failedSource(path string, err error) source {
	src := source{diags: config.Diagnostics{{Pos: config.Pos{File: path}, Msg: readError(err)}}}
	src.fingerprint = sha256.Sum256([]byte("error\x00" + path + "\x00" + err.Error()))
	return src
}

// readError says why a rules path could not be read, without repeating
// the path that the diagnostic's position already gives.
func readError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return "cannot read: " + err.Error()
}
