package cli

import (
	"flag"
	"io"
	"reflect"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		config     string
		json       bool
		positional []string
	}{
		{name: "flags first", args: []string{"-config", "a.toml", "-json", "12"}, config: "a.toml", json: true, positional: []string{"12"}},
		{name: "flags last", args: []string{"12", "-config", "a.toml"}, config: "a.toml", positional: []string{"12"}},
		{name: "interleaved", args: []string{"retry", "-json", "all", "-config=b.toml"}, config: "b.toml", json: true, positional: []string{"retry", "all"}},
		{name: "double dash", args: []string{"-json", "--", "-config"}, json: true, positional: []string{"-config"}},
		{name: "none", args: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			config := fs.String("config", "", "")
			asJSON := fs.Bool("json", false, "")
			got, err := ParseArgs(fs, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if *config != tc.config || *asJSON != tc.json {
				t.Errorf("config=%q json=%v, want %q %v", *config, *asJSON, tc.config, tc.json)
			}
			if !reflect.DeepEqual(got, tc.positional) {
				t.Errorf("positional = %q, want %q", got, tc.positional)
			}
		})
	}
}

func TestParseArgsUnknownFlag(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := ParseArgs(fs, []string{"12", "-nope"}); err == nil {
		t.Fatal("an unknown flag after a positional argument was accepted")
	}
}
