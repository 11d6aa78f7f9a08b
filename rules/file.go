package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/newswatch/newswatch/internal/config"
)

// ruleFile is the layout of a rule file: any number of [[rule]] tables and
// nothing else.
type ruleFile struct {
	Rule []ruleEntry `toml:"rule"`
}

// ruleEntry is one [[rule]] table as written. Enabled is a pointer so that
// an absent key (default true) differs from enabled = false.
type ruleEntry struct {
	Name        string   `toml:"name"`
	Description string   `toml:"description"`
	Query       string   `toml:"query"`
	Feeds       []string `toml:"feeds"`
	Notify      []string `toml:"notify"`
	Channel     string   `toml:"channel"`
	Severity    string   `toml:"severity"`
	Digest      string   `toml:"digest"`
	Enabled     *bool    `toml:"enabled"`
	OnUpdate    string   `toml:"on_update"`
	Stories     string   `toml:"stories"`
	// ReplyBroadcast is a pointer so that an absent key (the notifier's
	// setting, else the severity decides) differs from false.
	ReplyBroadcast *bool `toml:"reply_broadcast"`
}

// fileRule is a rule decoded from a file together with what it takes to
// locate its values in that file.
type fileRule struct {
	rule *Rule
	doc  *config.Doc
	idx  int // index of the rule's table among the file's [[rule]] tables
	// failed is set when the rule's table, or its file, has an error: the
	// rule is still read through (its query parsed) so that every mistake
	// is reported at once, but it is not put in force.
	failed bool
}

// path returns the key path of one of the rule's values, for Doc.Pos.
func (fr fileRule) path(key ...any) []any {
	return append([]any{"rule", fr.idx}, key...)
}

// queryPos returns where the byte at offset of the rule's query is in the
// file.
func (fr fileRule) queryPos(offset int) config.Pos {
	return fr.doc.StringPos(offset, fr.path("query")...)
}

// validName is the form of a rule name: it appears in alerts, logs, metrics
// labels and command lines, so it is kept to one safe word.
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// decodeFile decodes the rule file named file with contents data and
// validates every rule in it. A file that fails to decode yields no rules;
// otherwise every rule is returned, in file order, those with errors
// marked failed, with the problems in the diagnostics. Unknown keys fail
// every rule of the file but do not stop the others' checks, so that one
// reading reports them together with every other mistake.
func decodeFile(file string, data []byte) ([]fileRule, config.Diagnostics) {
	var (
		rf    ruleFile
		diags config.Diagnostics
	)
	doc, err := config.Decode(file, data, &rf)
	_, unknownKeys := errors.AsType[*config.UnknownKeys](err)
	if err != nil {
		if !errors.As(err, &diags) {
			diags = config.Diagnostics{{Pos: config.Pos{File: file}, Msg: err.Error()}}
		}
		if !unknownKeys {
			return nil, diags
		}
	}
	if singleTable(doc) {
		// The decoder takes [rule] for an array of one table, whose values
		// the document then cannot locate.
		return nil, config.Diagnostics{{
			Pos: doc.KeyPos("rule"),
			Msg: "rules are written as [[rule]] tables (an array of tables), not [rule]",
		}}
	}
	var rules []fileRule
	if len(rf.Rule) == 0 && !unknownKeys {
		diags = append(diags, config.Diagnostic{
			Pos:     config.Pos{File: file, Line: 1, Col: 1},
			Warning: true,
			Msg:     "no [[rule]] tables in this file",
		})
	}
	for i, e := range rf.Rule {
		fr := fileRule{doc: doc, idx: i}
		ds := fr.validate(e)
		diags = append(diags, ds...)
		fr.failed = unknownKeys || ds.HasErrors()
		rules = append(rules, fr)
	}
	return rules, diags
}

// singleTable reports whether doc writes its rule as a single [rule] table.
func singleTable(doc *config.Doc) bool {
	for _, key := range ruleKeys {
		if doc.Has("rule", key) {
			return true
		}
	}
	return false
}

// ruleKeys lists the keys of a [[rule]] table.
var ruleKeys = []string{"name", "description", "query", "feeds", "notify", "channel", "severity", "digest", "enabled", "on_update", "stories", "reply_broadcast"}

// validate checks the entry e of the rule's table and, whatever it finds,
// sets fr.rule to the rule it describes with defaults applied.
func (fr *fileRule) validate(e ruleEntry) config.Diagnostics {
	header := fr.doc.Pos(fr.path()...)
	r := &Rule{
		Name:           e.Name,
		Description:    e.Description,
		Query:          e.Query,
		Feeds:          e.Feeds,
		Notify:         e.Notify,
		Channel:        e.Channel,
		Severity:       Severity(e.Severity),
		Digest:         e.Digest,
		Enabled:        e.Enabled == nil || *e.Enabled,
		OnUpdate:       e.OnUpdate,
		Stories:        e.Stories,
		ReplyBroadcast: e.ReplyBroadcast,
		File:           header.File,
		Line:           header.Line,
		Col:            header.Col,
	}
	fr.rule = r

	var ds config.Diagnostics
	errorf := func(key []any, format string, args ...any) {
		ds = append(ds, fr.doc.Errorf(fr.path(key...), format, args...))
	}
	warnf := func(key []any, format string, args ...any) {
		ds = append(ds, fr.doc.Warnf(fr.path(key...), format, args...))
	}

	switch {
	case !fr.doc.Has(fr.path("name")...):
		errorf(nil, `rule has no "name"`)
	case !validName.MatchString(r.Name):
		errorf([]any{"name"}, "rule name %q must be lowercase letters a-z, digits, '-' and '_', starting with a letter or digit", r.Name)
	}
	switch {
	case !fr.doc.Has(fr.path("query")...):
		errorf(nil, `rule %s has no "query"`, quotedName(r.Name))
	case strings.TrimSpace(r.Query) == "":
		errorf([]any{"query"}, "query is empty")
	}

	switch r.Severity {
	case "":
		r.Severity = SeverityInfo
	case SeverityInfo, SeverityNotice, SeverityHigh:
	default:
		errorf([]any{"severity"}, "severity %q is not one of info, notice, high", r.Severity)
	}
	if r.Digest != "" {
		// The schedules the daemon's polls accept: five fields, or a
		// descriptor such as @daily or @every 12h.
		if err := config.CheckSchedule(r.Digest); err != nil {
			errorf([]any{"digest"}, "digest %q is not a cron schedule: %v", r.Digest, err)
		}
	}
	switch r.OnUpdate {
	case "", "ignore", "thread":
	default:
		errorf([]any{"on_update"}, `on_update %q is not one of "ignore", "thread"`, r.OnUpdate)
	}
	switch r.Stories {
	case "", StoriesOn, StoriesOff:
	default:
		errorf([]any{"stories"}, `stories %q is not one of "on", "off"`, r.Stories)
	}

	seen := map[string]bool{}
	for i, sel := range r.Feeds {
		key := []any{"feeds", i}
		tag, isTag := strings.CutPrefix(sel, "tag:")
		switch {
		case strings.TrimSpace(sel) == "":
			errorf(key, "feed selector is empty")
		case isTag && strings.TrimSpace(tag) == "":
			errorf(key, `feed selector %q names no tag: write "tag:NAME"`, sel)
		case seen[sel]:
			warnf(key, "feed selector %q is listed twice", sel)
		}
		seen[sel] = true
	}
	clear(seen)
	for i, name := range r.Notify {
		key := []any{"notify", i}
		switch {
		case strings.TrimSpace(name) == "":
			errorf(key, "notifier name is empty")
		case seen[name]:
			warnf(key, "notifier %q is listed twice", name)
		}
		seen[name] = true
	}
	if fr.doc.Has(fr.path("channel")...) && strings.TrimSpace(r.Channel) == "" {
		errorf([]any{"channel"}, `channel is empty: leave "channel" out to use the notifier's channel`)
	}
	return ds
}

// quotedName names a rule in a message: its quoted name, or "(unnamed)".
func quotedName(name string) string {
	if name == "" {
		return "(unnamed)"
	}
	return fmt.Sprintf("%q", name)
}
