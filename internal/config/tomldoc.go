package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// Doc is a decoded TOML document that can say where each of its values is.
//
// A value is named by its key path: strings for keys and ints for the
// elements of arrays and arrays of tables, so the schedule of the fourth
// [[feed]] is ("feed", 3, "schedule").
type Doc struct {
	file   string
	data   []byte
	values map[string]span // key path → the value's bytes
	keys   map[string]span // key path → the key or table header naming it
}

// span is a range of bytes in the document.
type span struct{ off, end int }

// Decode strictly decodes the TOML document data, read from file, into v
// and indexes the positions of its values. Unknown keys, values of the wrong
// type and syntax errors are reported as Diagnostics with positions. When
// unknown keys are the only problem, the error is an *UnknownKeys and v
// holds every other value of the document.
func Decode(file string, data []byte, v any) (*Doc, error) {
	// A line sets a value or names a table, most of them: the maps are
	// sized once rather than grown by rehashing, feed after feed.
	lines := bytes.Count(data, []byte{'\n'})
	d := &Doc{file: file, data: data, values: make(map[string]span, lines), keys: make(map[string]span, lines)}
	if err := d.index(); err != nil {
		return d, err
	}
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return d, d.decodeError(err, reflect.TypeOf(v))
	}
	return d, nil
}

// File returns the name of the file the document was read from.
func (d *Doc) File() string { return d.file }

// Has reports whether the document sets the value at path.
func (d *Doc) Has(path ...any) bool {
	_, ok := d.values[pathKey(path)]
	return ok
}

// Pos returns where the value at path starts. When the document does not
// set that value, it returns the position of the nearest enclosing key or
// table that it does set, and finally the start of the file.
func (d *Doc) Pos(path ...any) Pos {
	for n := len(path); n > 0; n-- {
		k := pathKey(path[:n])
		if s, ok := d.values[k]; ok {
			return d.position(s.off)
		}
		if s, ok := d.keys[k]; ok {
			return d.position(s.off)
		}
	}
	return Pos{File: d.file, Line: 1, Col: 1}
}

// KeyPos returns where the key naming the value at path is written, or
// Pos(path...) when it has no key of its own (an array element).
func (d *Doc) KeyPos(path ...any) Pos {
	if s, ok := d.keys[pathKey(path)]; ok {
		return d.position(s.off)
	}
	return d.Pos(path...)
}

// StringPos returns the position of the byte at offset in the decoded
// string value at path, looking through the string's quotes, escapes,
// line-ending backslashes and the newline that may follow opening triple
// quotes. An offset at or past the end of the string maps to its closing
// quote.
func (d *Doc) StringPos(offset int, path ...any) Pos {
	s, ok := d.values[pathKey(path)]
	if !ok {
		return d.Pos(path...)
	}
	return d.position(s.off + sourceOffset(d.data[s.off:s.end], offset))
}

// Errorf returns an error Diagnostic at the value at path.
func (d *Doc) Errorf(path []any, format string, args ...any) Diagnostic {
	return Diagnostic{Pos: d.Pos(path...), Msg: fmt.Sprintf(format, args...)}
}

// Warnf returns a warning Diagnostic at the value at path.
func (d *Doc) Warnf(path []any, format string, args ...any) Diagnostic {
	return Diagnostic{Pos: d.Pos(path...), Warning: true, Msg: fmt.Sprintf(format, args...)}
}

// position converts a byte offset in the document to a Pos whose column
// counts characters.
func (d *Doc) position(off int) Pos {
	off = min(max(off, 0), len(d.data))
	before := d.data[:off]
	line := 1 + bytes.Count(before, []byte{'\n'})
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return Pos{File: d.file, Line: line, Col: 1 + utf8.RuneCount(before[lineStart:])}
}

// offsetOf converts a 1-based line and byte column, as go-toml reports them,
// to a byte offset.
func (d *Doc) offsetOf(line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(d.data[off:], '\n')
		if i < 0 {
			return len(d.data)
		}
		off += i + 1
	}
	return min(off+max(col-1, 0), len(d.data))
}

// decodeError turns go-toml's decoding errors into positioned Diagnostics,
// of the decoding of a value of type t.
func (d *Doc) decodeError(err error, t reflect.Type) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		ds := make(Diagnostics, 0, len(strict.Errors))
		for _, e := range strict.Errors {
			ds = append(ds, Diagnostic{Pos: d.errorPos(&e), Msg: unknownKeyMessage(e.Key(), t)})
		}
		return &UnknownKeys{ds}
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		return Diagnostics{{Pos: d.errorPos(de), Msg: decodeMessage(de)}}
	}
	return Diagnostics{{Pos: Pos{File: d.file}, Msg: err.Error()}}
}

func (d *Doc) errorPos(e *toml.DecodeError) Pos {
	line, col := e.Position()
	return d.position(d.offsetOf(line, col))
}

// unknownKeyMessage says that key is not a key of the value of type t
// decoded, and which known key it probably meant.
func unknownKeyMessage(key toml.Key, t reflect.Type) string {
	if len(key) == 0 {
		return "unknown key"
	}
	last := key[len(key)-1]
	msg := "unknown key " + strconv.Quote(last)
	if len(key) > 1 {
		msg += " in [" + strings.Join(key[:len(key)-1], ".") + "]"
	}
	if near := Nearest(last, tableKeys(t, key[:len(key)-1])); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return msg
}

// decodeMessage rewrites go-toml's type mismatch messages, which name Go
// types, into the words of the file: `"enabled" must be true or false, not a
// string`.
func decodeMessage(e *toml.DecodeError) string {
	msg := strings.TrimPrefix(e.Error(), "toml: ")
	found, ok := strings.CutPrefix(msg, "cannot decode TOML ")
	if !ok {
		return msg
	}
	found, _, _ = strings.Cut(found, " ")
	_, goType, ok := strings.Cut(msg, " of type ")
	if !ok {
		return msg
	}
	want := goType
	switch {
	case goType == "string":
		want = "a string"
	case goType == "bool":
		want = "true or false"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		want = "an integer"
	case strings.HasPrefix(goType, "float"):
		want = "a number"
	case goType == "[]string":
		want = "an array of strings"
	case strings.HasPrefix(goType, "[]"):
		want = "an array"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "struct"):
		want = "a table"
	}
	article := "a "
	if strings.IndexAny(found[:min(1, len(found))], "aeiou") == 0 {
		article = "an "
	}
	name := "value"
	if k := e.Key(); len(k) > 0 {
		name = strconv.Quote(k[len(k)-1])
	}
	return fmt.Sprintf("%s must be %s, not %s%s", name, want, article, found)
}

// pathKey encodes a key path as a map key.
func pathKey(path []any) string {
	var b strings.Builder
	for i, p := range path {
		if i > 0 {
			b.WriteByte(0)
		}
		switch p := p.(type) {
		case string:
			b.WriteString(p)
		case int:
			b.WriteByte('#')
			b.WriteString(strconv.Itoa(p))
		default:
			panic(fmt.Sprintf("config: key path element %v (%T) is neither string nor int", p, p))
		}
	}
	return b.String()
}

// index walks the document's syntax tree and records where every value,
// key and table header is.
func (d *Doc) index() error {
	var p unstable.Parser
	p.Reset(d.data)
	ix := indexer{doc: d, p: &p, arrays: map[string]int{}}
	for p.NextExpression() {
		ix.expression(p.Expression())
	}
	if err := p.Error(); err != nil {
		var pe *unstable.ParserError
		if errors.As(err, &pe) {
			// The highlight is a subslice of the document, possibly empty
			// at its end; its offset follows from the shared capacity.
			off := cap(d.data) - cap(pe.Highlight)
			if pe.Highlight == nil || off < 0 || off > len(d.data) {
				off = len(d.data)
			}
			return Diagnostics{{Pos: d.position(off), Msg: pe.Message}}
		}
		return Diagnostics{{Pos: Pos{File: d.file}, Msg: err.Error()}}
	}
	return nil
}

type indexer struct {
	doc   *Doc
	p     *unstable.Parser
	table []any // path of the current table
	// arrays counts the elements of every array of tables seen so far, by
	// path; a key path through an array of tables goes to its last element.
	arrays map[string]int
}

func (ix *indexer) expression(n *unstable.Node) {
	switch n.Kind {
	case unstable.Table, unstable.ArrayTable:
		keys := n.Key()
		var path []any
		var first *unstable.Node
		for keys.Next() {
			k := keys.Node()
			if first == nil {
				first = k
			}
			path = ix.resolve(append(path, string(k.Data)), !keys.IsLast())
		}
		if n.Kind == unstable.ArrayTable {
			k := pathKey(path)
			idx := ix.arrays[k]
			ix.arrays[k] = idx + 1
			path = append(path, idx)
		}
		ix.table = path
		if first != nil {
			ix.doc.keys[pathKey(path)] = ix.span(first.Raw)
		}
	case unstable.KeyValue:
		ix.keyValue(ix.table, n)
	}
}

// resolve appends the index of the last element when path names an array
// of tables that a longer key goes through.
func (ix *indexer) resolve(path []any, inner bool) []any {
	if !inner {
		return path
	}
	if n, ok := ix.arrays[pathKey(path)]; ok && n > 0 {
		return append(path, n-1)
	}
	return path
}

func (ix *indexer) keyValue(base []any, n *unstable.Node) {
	path := append([]any(nil), base...)
	keys := n.Key()
	var first *unstable.Node
	for keys.Next() {
		if first == nil {
			first = keys.Node()
		}
		path = append(path, string(keys.Node().Data))
	}
	if first != nil {
		ix.doc.keys[pathKey(path)] = ix.span(first.Raw)
	}
	ix.value(path, n.Value())
}

func (ix *indexer) value(path []any, v *unstable.Node) {
	if v == nil {
		return
	}
	switch v.Kind {
	case unstable.Array:
		// go-toml gives arrays no range of their own; their position is
		// their key's (or their first element's, inside another array),
		// and each element has its own.
		k := pathKey(path)
		if s, ok := ix.doc.keys[k]; ok {
			ix.doc.values[k] = s
		} else if first := v.Child(); first != nil && first.Kind != unstable.Comment {
			ix.doc.values[k] = ix.span(first.Raw)
		}
		children := v.Children()
		for i := 0; children.Next(); {
			if c := children.Node(); c.Kind != unstable.Comment {
				ix.value(append(path[:len(path):len(path)], i), c)
				i++
			}
		}
	case unstable.InlineTable:
		ix.doc.values[pathKey(path)] = ix.span(v.Raw)
		children := v.Children()
		for children.Next() {
			if c := children.Node(); c.Kind == unstable.KeyValue {
				ix.keyValue(path, c)
			}
		}
	default:
		ix.doc.values[pathKey(path)] = ix.span(v.Raw)
	}
}

func (ix *indexer) span(r unstable.Range) span {
	return span{off: int(r.Offset), end: int(r.Offset) + int(r.Length)}
}
