package config

import (
	"reflect"
	"strings"
	"unicode/utf8"
)

// UnknownKeys is the error of Decode when the only problems of a document
// are keys that the value decoded into has no place for. Every other value
// was decoded, so the caller can check them too and report every mistake
// of the file at once. As an error it is its Diagnostics (errors.As finds
// them), one for each unknown key, with the nearest known key suggested
// where one is close.
type UnknownKeys struct {
	Diagnostics
}

// Unwrap returns the diagnostics.
func (e *UnknownKeys) Unwrap() error { return e.Diagnostics }

// tableKeys returns the keys the table at path (keys of tables and arrays
// of tables, as the decoder names an unknown key's table) may have when
// decoded into a value of type t: the toml names of its struct's fields.
// It returns nil when the table is not a struct (a map takes any key).
func tableKeys(t reflect.Type, path []string) []string {
	t = structOf(t)
	for _, name := range path {
		if t == nil {
			return nil
		}
		f, ok := fieldNamed(t, name)
		if !ok {
			return nil
		}
		t = structOf(f.Type)
	}
	if t == nil {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		if name := tomlName(t.Field(i)); name != "" {
			keys = append(keys, name)
		}
	}
	return keys
}

// structOf returns the struct type that t holds through pointers, slices
// and arrays, or nil when it holds none.
func structOf(t reflect.Type) reflect.Type {
	for t != nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			t = t.Elem()
		case reflect.Struct:
			return t
		default:
			return nil
		}
	}
	return nil
}

// fieldNamed finds the field of the struct type t that the key name
// decodes into.
func fieldNamed(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); tomlName(f) == name {
			return f, true
		}
	}
	for i := range t.NumField() { // go-toml also matches field names without case
		if f := t.Field(i); f.IsExported() && strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// tomlName is the key a struct field is decoded from: its toml tag's name,
// else its Go name; "" for fields the decoder skips.
func tomlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	switch tag {
	case "-":
		return ""
	case "":
		return f.Name
	}
	return tag
}

// Nearest returns the one of known that name was most likely meant to be,
// or "" when none is close: the same letters but for case, "_" and "-"
// ("dataDir" for data_dir), or a few letters left out, added, changed or
// swapped ("serverity" for severity, "shedule" for schedule). Of several
// equally close, the first in known wins.
func Nearest(name string, known []string) string {
	squashed := squash(name)
	limit := 1 + utf8.RuneCountInString(squashed)/4 // 1 for short names, 2 from 4 letters, ...
	best, bestDist := "", limit+1
	for _, k := range known {
		sk := squash(k)
		d := editDistance(squashed, sk)
		// A suggestion must keep most of the known name: "id" is not
		// "a typo of url".
		if d < bestDist && d < utf8.RuneCountInString(sk) {
			best, bestDist = k, d
		}
	}
	return best
}

// squash lowers s and drops the "_" and "-" that separate its words.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' {
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// editDistance is the optimal string alignment distance of a and b: the
// fewest insertions, deletions, substitutions and swaps of two adjacent
// characters that turn one into the other, each character edited once.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// d[i][j] is the distance of s[:i] and t[:j]; three rows suffice.
	prev2 := make([]int, len(t)+1)
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}
