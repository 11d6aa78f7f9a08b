package rules

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/config"
)

func TestDecodeFileFields(t *testing.T) {
	const doc = `# two rules
[[rule]]
name        = "syria-israel"
description = "Syria–Israel talks"
query       = '''
  syria AND israel
'''
feeds    = ["tag:mideast", "Times of Israel"]
notify   = ["slack"]
channel  = "#mideast"
severity = "high"
digest   = "0 8 * * *"
on_update = "thread"
stories   = "off"
reply_broadcast = false

  [[rule]]
  name    = "quiet_1"
  query   = "abraham"
  enabled = false
`
	got, ds := decodeFile("r.toml", []byte(doc))
	if len(ds) != 0 {
		t.Fatalf("diagnostics: %v", ds)
	}
	no := false
	want := []Rule{
		{
			Name:           "syria-israel",
			Description:    "Syria–Israel talks",
			Query:          "  syria AND israel\n",
			Feeds:          []string{"tag:mideast", "Times of Israel"},
			Notify:         []string{"slack"},
			Channel:        "#mideast",
			Severity:       SeverityHigh,
			Digest:         "0 8 * * *",
			Enabled:        true,
			OnUpdate:       "thread",
			Stories:        "off",
			ReplyBroadcast: &no,
			File:           "r.toml", Line: 2, Col: 3,
		},
		{
			Name:     "quiet_1",
			Query:    "abraham",
			Severity: SeverityInfo,
			Enabled:  false,
			File:     "r.toml", Line: 17, Col: 5,
		},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rules, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(*got[i].rule, want[i]) {
			t.Errorf("rule %d:\n got %+v\nwant %+v", i, *got[i].rule, want[i])
		}
	}
	// The query of the first rule starts on the line after the ''' .
	if pos := got[0].queryPos(2).String(); pos != "r.toml:6:3" {
		t.Errorf("queryPos(2) = %s, want r.toml:6:3", pos)
	}
}

func TestDecodeFileDefaults(t *testing.T) {
	got, ds := decodeFile("r.toml", []byte("[[rule]]\nname = \"a\"\nquery = \"x\"\n"))
	if len(ds) != 0 || len(got) != 1 {
		t.Fatalf("got %d rules, diagnostics %v", len(got), ds)
	}
	r := got[0].rule
	if !r.Enabled || r.Severity != SeverityInfo || r.OnUpdate != "" || r.Feeds != nil || r.Notify != nil || r.ReplyBroadcast != nil {
		t.Errorf("defaults not applied: %+v", r)
	}
}

func TestDecodeFileErrors(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		want  []string // diagnostics, in order
		rules []string // names of the rules that survive
	}{
		{
			name: "missing name and query",
			doc:  "[[rule]]\ndescription = \"x\"\n",
			want: []string{
				`r.toml:1:3: rule has no "name"`,
				`r.toml:1:3: rule (unnamed) has no "query"`,
			},
		},
		{
			name: "bad names",
			doc: "[[rule]]\nname = \"Syria Israel\"\nquery = \"x\"\n" +
				"[[rule]]\nname = \"-x\"\nquery = \"x\"\n" +
				"[[rule]]\nname = \"\"\nquery = \"x\"\n" +
				"[[rule]]\nname = \"ok-1_2\"\nquery = \"x\"\n",
			want: []string{
				`r.toml:2:8: rule name "Syria Israel" must be lowercase letters a-z, digits, '-' and '_', starting with a letter or digit`,
				`r.toml:5:8: rule name "-x" must be lowercase letters a-z, digits, '-' and '_', starting with a letter or digit`,
				`r.toml:8:8: rule name "" must be lowercase letters a-z, digits, '-' and '_', starting with a letter or digit`,
			},
			rules: []string{"ok-1_2"},
		},
		{
			name: "empty query",
			doc:  "[[rule]]\nname = \"a\"\nquery = '''\n   \n'''\n",
			want: []string{`r.toml:3:9: query is empty`},
		},
		{
			name: "bad severity, digest and on_update",
			doc:  "[[rule]]\nname = \"a\"\nquery = \"x\"\nseverity = \"urgent\"\ndigest = \"every morning\"\non_update = \"resend\"\n",
			want: []string{
				`r.toml:4:12: severity "urgent" is not one of info, notice, high`,
				`r.toml:5:10: digest "every morning" is not a cron schedule: `,
				`r.toml:6:13: on_update "resend" is not one of "ignore", "thread"`,
			},
		},
		{
			name: "digest schedules that never fire or step beyond a field",
			doc:  "[[rule]]\nname = \"a\"\nquery = \"x\"\ndigest = \"0 8 31 2 *\"\n[[rule]]\nname = \"b\"\nquery = \"x\"\ndigest = \"0 */25 * * *\"\n",
			want: []string{
				`r.toml:4:10: digest "0 8 31 2 *" is not a cron schedule: it never fires`,
				`r.toml:8:10: digest "0 */25 * * *" is not a cron schedule: the step 25 in "*/25" is beyond the hour field`,
			},
		},
		{
			name: "bad stories",
			doc:  "[[rule]]\nname = \"a\"\nquery = \"x\"\nstories = \"none\"\n",
			want: []string{`r.toml:4:11: stories "none" is not one of "on", "off"`},
		},
		{
			name:  "digest descriptors are cron schedules",
			doc:   "[[rule]]\nname = \"a\"\nquery = \"x\"\ndigest = \"@daily\"\n[[rule]]\nname = \"b\"\nquery = \"x\"\ndigest = \"@every 12h\"\n",
			rules: []string{"a", "b"},
		},
		{
			name: "feeds and notify",
			doc:  "[[rule]]\nname = \"a\"\nquery = \"x\"\nfeeds = [\"tag:\", \"\", \"BBC\", \"BBC\"]\nnotify = [\"slack\", \" \", \"slack\"]\nchannel = \"\"\n",
			want: []string{
				`r.toml:4:10: feed selector "tag:" names no tag: write "tag:NAME"`,
				`r.toml:4:18: feed selector is empty`,
				`r.toml:4:29: warning: feed selector "BBC" is listed twice`,
				`r.toml:5:20: notifier name is empty`,
				`r.toml:5:25: warning: notifier "slack" is listed twice`,
				`r.toml:6:11: channel is empty: leave "channel" out to use the notifier's channel`,
			},
		},
		{
			name:  "duplicate entries alone are only warnings",
			doc:   "[[rule]]\nname = \"a\"\nquery = \"x\"\nnotify = [\"slack\", \"slack\"]\n",
			want:  []string{`r.toml:4:20: warning: notifier "slack" is listed twice`},
			rules: []string{"a"},
		},
		{
			name: "unknown key",
			doc:  "[[rule]]\nname = \"a\"\nquery = \"x\"\nserverity = \"high\"\n",
			want: []string{`r.toml:4:1: unknown key "serverity" in [rule]`},
		},
		{
			name: "wrong type",
			doc:  "[[rule]]\nname = \"a\"\nquery = \"x\"\nenabled = \"no\"\n",
			want: []string{`r.toml:4:11: "enabled" must be true or false, not a string`},
		},
		{
			name: "a table instead of an array of tables",
			doc:  "[rule]\nname = \"a\"\nquery = \"x\"\n",
			want: []string{`r.toml:1:2: rules are written as [[rule]] tables (an array of tables), not [rule]`},
		},
		{
			name: "TOML syntax error",
			doc:  "[[rule]]\nname = \"a\nquery = \"x\"\n",
			want: []string{`r.toml:2:`},
		},
		{
			name: "no rules",
			doc:  "# nothing here yet\n",
			want: []string{`r.toml:1:1: warning: no [[rule]] tables in this file`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ds := decodeFile("r.toml", []byte(tc.doc))
			if len(ds) != len(tc.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%v", len(ds), len(tc.want), ds)
			}
			for i, d := range ds {
				if s := d.String(); len(s) < len(tc.want[i]) || s[:len(tc.want[i])] != tc.want[i] {
					t.Errorf("diagnostic %d:\n got %s\nwant %s", i, s, tc.want[i])
				}
			}
			var names []string
			for _, fr := range got {
				if !fr.failed {
					names = append(names, fr.rule.Name)
				}
			}
			if !reflect.DeepEqual(names, tc.rules) {
				t.Errorf("rules %q survive, want %q", names, tc.rules)
			}
		})
	}
}

// FuzzDecodeFile feeds arbitrary documents through decoding, validation and
// query compilation: whatever the file holds, loading it must not panic,
// and every diagnostic must have a position inside the file.
func FuzzDecodeFile(f *testing.F) {
	f.Add("[[rule]]\nname = \"a\"\nquery = '''\n  syria AND (israel\n'''\n")
	f.Add("[[rule]]\nname = \"a\"\nquery = \"\\\"al-sharaa\\\" OR سوريا*\"\nfeeds = [\"tag:\"]\ndigest = \"@every\"\n")
	f.Add("[rule]\nname = \"a\"\n")
	f.Add("rule = [{name = \"a\", query = \"x y\"}, {name = \"a\"}]\n")
	f.Fuzz(func(t *testing.T, doc string) {
		rules, diags := decodeFile("f.toml", []byte(doc))
		for _, fr := range rules {
			if _, err := ParseQuery(fr.rule.Query); err != nil {
				var se *SyntaxError
				if errors.As(err, &se) {
					diags = append(diags, config.Diagnostic{Pos: fr.queryPos(se.Offset), Msg: se.Msg})
				}
			}
		}
		lines := 1 + strings.Count(doc, "\n")
		for _, d := range diags {
			if d.Pos.File != "f.toml" || d.Pos.Line < 0 || d.Pos.Line > lines {
				t.Errorf("diagnostic %q outside the %d-line file", d, lines)
			}
		}
	})
}
