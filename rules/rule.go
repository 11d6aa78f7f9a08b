// Package rules owns newswatch's watch rules: rule files, the query language
// (lexer, parser, AST), the compiled matcher with its term index, match
// explanations and hot reload. Items and queries are analysed into words by
// internal/analysis. It never touches the network or the database.
package rules

import (
	"github.com/robfig/cron/v3"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/model"
)

// Severity orders how urgent a rule's alerts are.
type Severity string

// The severities a rule may declare; SeverityInfo is the default.
const (
	SeverityInfo   Severity = "info"
	SeverityNotice Severity = "notice"
	SeverityHigh   Severity = "high"
)

// The values of Rule.Stories.
const (
	StoriesOn  = "on"
	StoriesOff = "off"
)

// Rule is one watch rule as written in a rule file.
type Rule struct {
	Name        string
	Description string
	Query       string
	// Feeds selects the feeds the rule applies to: feed names, feed URLs or
	// "tag:NAME". Empty means every feed.
	Feeds []string
	// Notify names the notifiers that receive the rule's alerts. Empty means
	// the configuration's default notifiers.
	Notify []string
	// Channel overrides the notifier's default channel when not empty.
	Channel  string
	Severity Severity
	// Digest is a cron spec; when set, matches are collected and sent as one
	// digest message at those times instead of one alert each.
	Digest  string
	Enabled bool
	// OnUpdate says what an edited item (same identity, new text) does:
	// "" or "ignore" (the default) sends nothing, "thread" posts the change
	// in the alert's thread.
	OnUpdate string
	// Stories says whether the rule's alerts are grouped by story: "" or
	// "on" (the default) sends one alert per story and tells later
	// reports under it; "off" alerts every matching item on its own.
	Stories string
	// ReplyBroadcast says whether a reply in an alert's Slack thread (a
	// later report of its story, an edit) is also sent to the channel;
	// nil leaves it to the notifier, and by default a high rule's replies
	// are (see followup.Broadcast).
	ReplyBroadcast *bool

	// File, Line and Col locate the rule's [[rule]] header.
	File      string
	Line, Col int
}

// DigestSchedule parses the rule's Digest with the grammar its file was
// checked against (config.ParseSchedule: five fields, or a descriptor such
// as @daily), so that notify reads it exactly as the rule file was
// validated. It returns nil and no error when the rule has no digest.
func (r *Rule) DigestSchedule() (cron.Schedule, error) {
	if r.Digest == "" {
		return nil, nil
	}
	return config.ParseSchedule(r.Digest)
}

// Match reports that a rule matched an item, and why.
type Match struct {
	Rule *Rule       `json:"-"`
	Hits []model.Hit `json:"hits"`
}
