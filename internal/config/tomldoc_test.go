package config

import (
	"errors"
	"strings"
	"testing"
)

type testConfig struct {
	Daemon struct {
		DataDir  string `toml:"data_dir"`
		Schedule string `toml:"schedule"`
	} `toml:"daemon"`
	Feed []struct {
		Name     string            `toml:"name"`
		Tags     []string          `toml:"tags"`
		Schedule string            `toml:"schedule"`
		Enabled  *bool             `toml:"enabled"`
		Extra    map[string]string `toml:"extra"`
		Mirror   []struct {
			URL string `toml:"url"`
		} `toml:"mirror"`
	} `toml:"feed"`
}

const testDoc = `# comment
[daemon]
data_dir = "./data"
schedule = "@every 5m"

[[feed]]
name = "Times of Israel"
tags = ["mideast", # a comment inside the array
        "israel"]

[[feed]]
name     = "BBC عربي"
schedule = "*/10 * * * *"
extra    = { lang = "ar", region = "mena" }

[[feed.mirror]]
url = "https://a.example/"

[[feed.mirror]]
url = "https://b.example/"
`

func TestDocPos(t *testing.T) {
	var cfg testConfig
	doc, err := Decode("c.toml", []byte(testDoc), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Feed) != 2 || len(cfg.Feed[1].Mirror) != 2 {
		t.Fatalf("decoded %+v", cfg)
	}
	tests := []struct {
		path []any
		want string
	}{
		{[]any{"daemon", "schedule"}, "c.toml:4:12"},
		{[]any{"daemon"}, "c.toml:2:2"},
		{[]any{"feed", 0, "name"}, "c.toml:7:8"},
		{[]any{"feed", 0, "tags"}, "c.toml:8:1"}, // arrays are located by their key
		{[]any{"feed", 0, "tags", 1}, "c.toml:9:9"},
		{[]any{"feed", 1, "schedule"}, "c.toml:13:12"},
		{[]any{"feed", 1, "extra", "region"}, "c.toml:14:36"},
		{[]any{"feed", 1, "mirror", 1, "url"}, "c.toml:20:7"},
		{[]any{"feed", 1, "mirror", 0, "url"}, "c.toml:17:7"},
		// Not set: the nearest enclosing thing that is.
		{[]any{"feed", 0, "schedule"}, "c.toml:6:3"},
		{[]any{"rules", "dir"}, "c.toml:1:1"},
	}
	for _, tc := range tests {
		if got := doc.Pos(tc.path...).String(); got != tc.want {
			t.Errorf("Pos(%v) = %s, want %s", tc.path, got, tc.want)
		}
	}
	if got := doc.KeyPos("feed", 1, "schedule").String(); got != "c.toml:13:1" {
		t.Errorf("KeyPos = %s, want c.toml:13:1", got)
	}
	if !doc.Has("feed", 1, "schedule") || doc.Has("feed", 0, "schedule") || !doc.Has("feed", 0, "tags") {
		t.Error("Has does not tell set values from unset ones")
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // diagnostics, in order
	}{
		{
			name: "unknown keys",
			doc:  "[daemon]\ndata_dir = \"x\"\nshedule = \"@daily\"\n\n[[feed]]\nname = \"a\"\nurl2 = \"b\"\n",
			want: []string{
				`c.toml:3:1: unknown key "shedule" in [daemon] (did you mean "schedule"?)`,
				`c.toml:7:1: unknown key "url2" in [feed]`,
			},
		},
		{
			name: "unknown top-level table",
			doc:  "[deamon]\ndata_dir = \"x\"\n",
			want: []string{`c.toml:1:2: unknown key "deamon" (did you mean "daemon"?)`},
		},
		{
			name: "unknown key in a nested array of tables",
			doc:  "[[feed]]\nname = \"a\"\n[[feed.mirror]]\nulr = \"b\"\n",
			want: []string{`c.toml:4:1: unknown key "ulr" in [feed.mirror] (did you mean "url"?)`},
		},
		{
			name: "unknown key in a table of the feed",
			doc:  "[[feed]]\nname = \"a\"\nEnabeld = true\n",
			want: []string{`c.toml:3:1: unknown key "Enabeld" in [feed] (did you mean "enabled"?)`},
		},
		{
			name: "wrong type",
			doc:  "[[feed]]\nname = \"a\"\nenabled = \"yes\"\n",
			want: []string{`c.toml:3:11: "enabled" must be true or false, not a string`},
		},
		{
			name: "syntax error",
			doc:  "[daemon]\ndata_dir = \"x\n",
			want: []string{`c.toml:2:`},
		},
		{
			name: "syntax error after Arabic text counts characters",
			doc:  "[[feed]]\nname = \"عربي\" x\n",
			want: []string{`c.toml:2:15: `},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg testConfig
			_, err := Decode("c.toml", []byte(tc.doc), &cfg)
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("error %v (%T) is not Diagnostics", err, err)
			}
			if len(ds) != len(tc.want) {
				t.Fatalf("got %d diagnostics:\n%v\nwant %d", len(ds), ds, len(tc.want))
			}
			for i, d := range ds {
				// Messages of unknown keys are whole; the others, from the
				// decoder, are checked by their start.
				if s := d.String(); s != tc.want[i] && (strings.Contains(s, "unknown key") || !strings.HasPrefix(s, tc.want[i])) {
					t.Errorf("diagnostic %d = %q, want %q", i, d, tc.want[i])
				}
				if d.Msg == "" {
					t.Errorf("diagnostic %d has no message", i)
				}
			}
		})
	}
}

func TestStringPos(t *testing.T) {
	type rule struct {
		Query string `toml:"query"`
	}
	tests := []struct {
		name   string
		doc    string
		needle string // first occurrence in the decoded value
		want   string
	}{
		{
			name:   "basic",
			doc:    `query = "syria AND (israel"`,
			needle: "(",
			want:   "r.toml:1:20",
		},
		{
			name:   "basic with escapes before",
			doc:    `query = "\"al-sharaa\" caf\u00e9 \U0001F600 x*"`,
			needle: "x*",
			want:   "r.toml:1:45",
		},
		{
			name:   "literal",
			doc:    `query = 'a \d b'`,
			needle: "b",
			want:   "r.toml:1:15",
		},
		{
			name:   "multi-line literal, first newline trimmed",
			doc:    "query = '''\n  (syria OR سوريا)\n  AND (israel\n'''",
			needle: "(israel",
			want:   "r.toml:3:7",
		},
		{
			name:   "multi-line literal, Arabic before the fault",
			doc:    "query = '''\n  (سوريا OR syria*)\n'''",
			needle: "syria*",
			want:   "r.toml:2:13",
		},
		{
			name:   "multi-line basic with line-ending backslash",
			doc:    "query = \"\"\"\nsyria \\\n    AND israel\"\"\"",
			needle: "israel",
			want:   "r.toml:3:9",
		},
		{
			name:   "CRLF",
			doc:    "query = '''\r\nsyria\r\nAND x'''",
			needle: "x",
			want:   "r.toml:3:5",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r rule
			doc, err := Decode("r.toml", []byte(tc.doc), &r)
			if err != nil {
				t.Fatal(err)
			}
			off := strings.Index(r.Query, tc.needle)
			if off < 0 {
				t.Fatalf("%q not in decoded query %q", tc.needle, r.Query)
			}
			if got := doc.StringPos(off, "query").String(); got != tc.want {
				t.Errorf("StringPos(%d) = %s, want %s", off, got, tc.want)
			}
		})
	}
}

func TestStringPosPastEnd(t *testing.T) {
	var r struct {
		Query string `toml:"query"`
	}
	doc, err := Decode("r.toml", []byte(`query = "abc"`), &r)
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.StringPos(3, "query").String(); got != "r.toml:1:13" {
		t.Errorf("end of string at %s, want the closing quote r.toml:1:13", got)
	}
}

func TestDiagnostics(t *testing.T) {
	ds := Diagnostics{
		{Pos: Pos{File: "b.toml", Line: 2, Col: 1}, Msg: "second"},
		{Pos: Pos{File: "a.toml", Line: 9, Col: 3}, Warning: true, Msg: "lowercase and"},
		{Pos: Pos{File: "a.toml", Line: 1, Col: 5}, Msg: "first"},
	}
	ds.Sort()
	want := "a.toml:1:5: first\na.toml:9:3: warning: lowercase and\nb.toml:2:1: second"
	if got := ds.Error(); got != want {
		t.Errorf("sorted diagnostics:\n%s\nwant:\n%s", got, want)
	}
	if len(ds.Errors()) != 2 || len(ds.Warnings()) != 1 || !ds.HasErrors() {
		t.Error("Errors/Warnings/HasErrors disagree with the list")
	}
	if err := ds.Warnings().Err(); err != nil {
		t.Errorf("warnings alone gave error %v", err)
	}
	if err := ds.Err(); err == nil || strings.Contains(err.Error(), "warning") {
		t.Errorf("Err() = %v, want only the errors", err)
	}
}
