package slack

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/newswatch/newswatch/notify"
)

// The buttons of an alert, and what a click on one says. A bot notifier
// with an app token (Listener) adds them under every single alert it
// posts: "Mute this story", "Snooze rule 24 h" with a menu for 1 h and
// 7 d, and "Not relevant" (for a message of several rules, a menu with
// one choice per rule). Each carries the alert's ID; the Listener checks
// it against the message clicked before it acts.

// Block and action IDs of the buttons and of the line under an alert that
// tells who did what.
const (
	actionsBlockID = "newswatch_actions"
	statusBlockID  = "newswatch_status"

	actionMute        = "newswatch_mute"
	actionSnooze      = "newswatch_snooze"       // the 24 h button
	actionSnoozeFor   = "newswatch_snooze_for"   // the menu of other lengths
	actionNotRelevant = "newswatch_not_relevant" // feedback for the rule
	// The menu of a message of several rules: feedback for one of them.
	actionNotRelevantFor = "newswatch_not_relevant_for"
)

// Action is what a person asked for with a button.
type Action string

// The actions.
const (
	ActionMute        Action = "mute"
	ActionSnooze      Action = "snooze"
	ActionNotRelevant Action = "not_relevant"
)

// SnoozeLengths are the lengths a rule can be snoozed for, by the name a
// button's value carries; the 24 h button is the default.
var SnoozeLengths = map[string]time.Duration{
	"1h":  time.Hour,
	"24h": 24 * time.Hour,
	"7d":  7 * 24 * time.Hour,
}

// maxStatusLines bounds the lines under an alert that tell who did what
// (a context block holds at most 10 elements); the oldest go first.
const maxStatusLines = 10

// ruleAlert is the alert of one rule in a message: what its buttons act
// on.
type ruleAlert struct {
	id   int64
	rule string
}

// maxSnoozeOthers bounds the other rules of a message whose snooze the
// menu offers (an overflow menu holds at most five options).
const maxSnoozeOthers = 3

// maxNotRelevantRules bounds the rules of a message its "Not relevant"
// menu offers (a select menu holds at most 100 options).
const maxNotRelevantRules = 25

// actionsBlock returns the buttons of a message of alerts, the first of
// which the buttons act on. A message of several rules (an article that
// matched them all) names the rule on its snooze buttons, and its menu
// also offers a snooze of 24 h of each other rule (up to
// maxSnoozeOthers), through that rule's alert; its "Not relevant" is a
// menu of the rules, each choice the feedback for that rule's alert.
func actionsBlock(alerts []ruleAlert, muted bool) *slackgo.ActionBlock {
	first := alerts[0]
	id := strconv.FormatInt(first.id, 10)
	plain := func(s string) *slackgo.TextBlockObject {
		return slackgo.NewTextBlockObject(slackgo.PlainTextType, s, true, false)
	}
	name := "rule"
	if len(alerts) > 1 {
		name = first.rule
	}
	snooze := func(rule, length string) *slackgo.TextBlockObject {
		return plain(notify.Truncate(notify.CleanText("Snooze "+rule+" "+length), 75, nil))
	}
	var elements []slackgo.BlockElement
	if !muted {
		elements = append(elements, slackgo.NewButtonBlockElement(actionMute, id, plain("Mute this story")))
	}
	options := []*slackgo.OptionBlockObject{
		slackgo.NewOptionBlockObject(id+"/1h", snooze(name, "1 h"), nil),
		slackgo.NewOptionBlockObject(id+"/7d", snooze(name, "7 d"), nil),
	}
	for _, a := range alerts[1:min(len(alerts), 1+maxSnoozeOthers)] {
		options = append(options, slackgo.NewOptionBlockObject(strconv.FormatInt(a.id, 10)+"/24h", snooze(a.rule, "24 h"), nil))
	}
	elements = append(elements,
		slackgo.NewButtonBlockElement(actionSnooze, id+"/24h", snooze(name, "24 h")),
		slackgo.NewOverflowBlockElement(actionSnoozeFor, options...),
	)
	if len(alerts) == 1 {
		elements = append(elements, slackgo.NewButtonBlockElement(actionNotRelevant, id, plain("Not relevant")))
	} else {
		var rules []*slackgo.OptionBlockObject
		for _, a := range alerts[:min(len(alerts), maxNotRelevantRules)] {
			rules = append(rules, slackgo.NewOptionBlockObject(strconv.FormatInt(a.id, 10),
				plain(notify.Truncate(notify.CleanText("Not relevant for "+a.rule), 75, nil)), nil))
		}
		elements = append(elements, slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic,
			plain("Not relevant…"), actionNotRelevantFor, rules...))
	}
	return slackgo.NewActionBlock(actionsBlockID, elements...)
}

// ruleAlerts returns the alert of each rule of m, in the order of its
// entries (the highest severity first).
func ruleAlerts(m *notify.Message) []ruleAlert {
	out := make([]ruleAlert, len(m.Entries))
	for i, e := range m.Entries {
		out[i] = ruleAlert{id: e.AlertID, rule: cmp.Or(e.Rule, m.Rule)}
	}
	return out
}

// withActions reports whether a message carries the buttons: an alert
// (not a summary, a digest, a follow-up or a feed-health alert), posted by
// a bot that listens for clicks. The buttons of an alert of several rules
// carry the alert of its first rule (the highest severity): "Snooze" acts
// on that rule and its menu snoozes the others; "Not relevant" is a menu
// of every rule.
func (st style) withActions(m *notify.Message) bool {
	return st.actions && isAlert(m) && m.Entries[0].AlertID != 0 && m.ThreadTS == ""
}

// click is one button click, read from its block action.
type click struct {
	action  Action
	alertID int64
	snooze  time.Duration // for ActionSnooze
	length  string        // its name in SnoozeLengths
}

// errNotOurs is a block action of another app's buttons, or one newswatch
// does not know.
var errNotOurs = errors.New("not a newswatch button")

// parseClick reads a block action of the buttons actionsBlock renders.
func parseClick(a *slackgo.BlockAction) (click, error) {
	var c click
	value := a.Value
	switch a.ActionID {
	case actionMute:
		c.action = ActionMute
	case actionNotRelevant:
		c.action = ActionNotRelevant
	case actionNotRelevantFor:
		c.action, value = ActionNotRelevant, a.SelectedOption.Value
	case actionSnooze:
		c.action = ActionSnooze
	case actionSnoozeFor:
		c.action, value = ActionSnooze, a.SelectedOption.Value
	default:
		return c, errNotOurs
	}
	id, length, _ := strings.Cut(value, "/")
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return c, fmt.Errorf("slack: button %s: bad value %q", a.ActionID, value)
	}
	c.alertID = n
	if c.action == ActionSnooze {
		d, ok := SnoozeLengths[length]
		if !ok {
			return c, fmt.Errorf("slack: button %s: unknown snooze length %q", a.ActionID, length)
		}
		c.snooze, c.length = d, length
	}
	return c, nil
}

// lengthText is a snooze length as the status line shows it: "24 h".
func lengthText(name string) string {
	if n, unit, ok := strings.Cut(name, "h"); ok && unit == "" {
		return n + " h"
	}
	if n, unit, ok := strings.Cut(name, "d"); ok && unit == "" {
		return n + " d"
	}
	return name
}

// statusLine is the line added under an alert when someone acted on it.
func (st style) statusLine(c click, userID, userName, rule string, now time.Time) string {
	who := person(userID, userName)
	switch c.action {
	case ActionMute:
		return "🔇 Muted by " + who + ": no more alerts or follow-ups of this story here"
	case ActionSnooze:
		return fmt.Sprintf("💤 Rule *%s* snoozed by %s for %s, until %s", truncEscape(notify.CleanText(rule), 100),
			who, lengthText(c.length), st.date(now.Add(c.snooze)))
	}
	return "👎 Marked not relevant by " + who + " (feedback for rule *" + truncEscape(notify.CleanText(rule), 100) + "*)"
}

// updatedBlocks returns the blocks of a message after someone acted on
// it: blocks with the status line added (the oldest dropped past
// maxStatusLines) and, once its story is muted, without the mute button.
// The buttons are kept as the message has them (those of every rule of
// an article that matched several); a message without them gets those of
// alertID. Every mrkdwn text keeps verbatim set, whatever Slack gave back.
func updatedBlocks(blocks []slackgo.Block, alertID int64, line string, muted bool) []slackgo.Block {
	var (
		out     []slackgo.Block
		lines   []slackgo.MixedElement
		buttons *slackgo.ActionBlock
	)
	for _, b := range blocks {
		switch b := b.(type) {
		case *slackgo.ContextBlock:
			if b.BlockID == statusBlockID {
				lines = append(lines, b.ContextElements.Elements...)
				continue
			}
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slackgo.TextBlockObject); ok && t.Type == slackgo.MarkdownType {
					t.Verbatim = true
				}
			}
		case *slackgo.ActionBlock:
			if b.BlockID == actionsBlockID {
				muted = muted || !hasMuteButton(b)
				buttons = b
				continue // put back below the message
			}
		case *slackgo.SectionBlock:
			if b.Text != nil && b.Text.Type == slackgo.MarkdownType {
				b.Text.Verbatim = true
			}
			for _, f := range b.Fields {
				if f.Type == slackgo.MarkdownType {
					f.Verbatim = true
				}
			}
		}
		out = append(out, b)
	}
	lines = append(lines, slackgo.NewTextBlockObject(slackgo.MarkdownType, line, false, true))
	if len(lines) > maxStatusLines {
		lines = lines[len(lines)-maxStatusLines:]
	}
	if buttons == nil {
		buttons = actionsBlock([]ruleAlert{{id: alertID}}, muted)
	} else if muted {
		buttons = slackgo.NewActionBlock(actionsBlockID, slices.DeleteFunc(slices.Clone(buttons.Elements.ElementSet), isMuteButton)...)
	}
	out = append(out, buttons, slackgo.NewContextBlock(statusBlockID, lines...))
	return out
}

// isMuteButton reports whether e is the mute button.
func isMuteButton(e slackgo.BlockElement) bool {
	btn, ok := e.(*slackgo.ButtonBlockElement)
	return ok && btn.ActionID == actionMute
}

// hasMuteButton reports whether the buttons b still offer to mute.
func hasMuteButton(b *slackgo.ActionBlock) bool {
	return slices.ContainsFunc(b.Elements.ElementSet, isMuteButton)
}
