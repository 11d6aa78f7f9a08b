package config

import (
	"errors"
	"testing"
)

func TestNearest(t *testing.T) {
	ruleKeys := []string{"name", "description", "query", "feeds", "notify", "channel", "severity", "digest", "enabled"}
	tests := []struct {
		name string
		want string
	}{
		{"serverity", "severity"}, // a letter added
		{"severty", "severity"},   // left out
		{"sevrerity", "severity"}, // two swapped
		{"Severity", "severity"},  // case
		{"feed", "feeds"},
		{"channels", "channel"},
		{"notfy", "notify"},
		{"notifiers", ""}, // four edits from notify
		{"desc", ""},      // too short a part of description to guess
		{"colour", ""},
		{"id", ""},
		{"q", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Nearest(tc.name, ruleKeys); got != tc.want {
				t.Errorf("Nearest(%q) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
	if got := Nearest("dataDir", []string{"data_dir", "schedule"}); got != "data_dir" {
		t.Errorf(`Nearest("dataDir") = %q, want "data_dir"`, got)
	}
	if got := Nearest("url2", []string{"url", "name"}); got != "url" {
		t.Errorf(`Nearest("url2") = %q, want "url"`, got)
	}
	if got := Nearest("x", nil); got != "" {
		t.Errorf(`Nearest with nothing known = %q`, got)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"abc", "abc", 0},
		{"abc", "acb", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3},
		{"שלום", "שלם", 1},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestUnknownKeysKeepTheRest checks that a document whose only problem is
// an unknown key is decoded whole, and that the error says so.
func TestUnknownKeysKeepTheRest(t *testing.T) {
	var cfg testConfig
	_, err := Decode("c.toml", []byte("[daemon]\ndata_dir = \"x\"\nshedule = \"y\"\n[[feed]]\nname = \"a\"\n"), &cfg)
	uk, ok := errors.AsType[*UnknownKeys](err)
	if !ok || len(uk.Diagnostics) != 1 {
		t.Fatalf("error %v (%T), want *UnknownKeys with one diagnostic", err, err)
	}
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 {
		t.Errorf("errors.As finds no Diagnostics in %v", err)
	}
	if cfg.Daemon.DataDir != "x" || len(cfg.Feed) != 1 || cfg.Feed[0].Name != "a" {
		t.Errorf("the known values were not decoded: %+v", cfg)
	}
	_, err = Decode("c.toml", []byte("[daemon]\nshedule = \"y\"\n[[feed]]\nenabled = \"no\"\n"), &cfg)
	if _, ok := errors.AsType[*UnknownKeys](err); ok || err == nil {
		t.Errorf("a wrong type, unknown keys aside, gave %v (%T), want plain Diagnostics", err, err)
	}
}
