package config

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsNoPackageOfNewswatch keeps config a leaf (README, Layout):
// every package may take its settings from it only while it imports none
// of them.
func TestImportsNoPackageOfNewswatch(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/newswatch/newswatch/") {
				t.Errorf("%s imports %s; config must import no package of newswatch", fset.Position(imp.Pos()), path)
			}
		}
	}
}
