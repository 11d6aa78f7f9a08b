package slack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
)

// sentBlocks are the blocks the Listener last wrote to a message, so that
// a second click arriving with the message as it was before the first
// does not undo the first one's line.
type sentBlocks struct {
	blocks []slackgo.Block
	at     time.Time
}

// sentKeep is how long the blocks written to a message are remembered.
const sentKeep = time.Hour

// act handles one click on an alert's buttons.
func (l *Listener) act(ctx context.Context, cb *slackgo.InteractionCallback, a *slackgo.BlockAction) {
	c, err := parseClick(a)
	if errors.Is(err, errNotOurs) {
		return
	}
	channel := cmp.Or(cb.Container.ChannelID, cb.Channel.ID)
	ts := cmp.Or(cb.Container.MessageTs, cb.Message.Timestamp)
	name := cmp.Or(cb.User.Username, cb.User.Name)
	log := l.log.With("action", string(c.action), "user_id", cb.User.ID, "user", name,
		"channel_id", channel, "message_ts", ts)
	refuse := func(reason, text string, attrs ...any) {
		log.Warn("slack: action refused: "+reason, attrs...)
		l.respond(ctx, cb.ResponseURL, text+" Nothing was changed.")
	}
	if err != nil {
		refuse("unreadable button", "newswatch could not read this button.", "error", err)
		return
	}
	log = log.With("alert_id", c.alertID)
	alerts, err := l.rec.AlertsIn(ctx, []int64{c.alertID})
	if err != nil {
		refuse("alert not read", "newswatch could not read this alert.", "error", err)
		return
	}
	if len(alerts) == 0 {
		refuse("unknown alert", "newswatch does not know this alert.")
		return
	}
	alert := alerts[0]
	if alert.Notifier != l.bot.name || alert.RemoteChannel != channel || alert.RemoteID != ts {
		refuse("the message is not the alert's", "This message is not the alert newswatch posted here.",
			"alert_channel", alert.RemoteChannel, "alert_ts", alert.RemoteID, "alert_notifier", alert.Notifier)
		return
	}
	log = log.With("rule", alert.Rule)
	member, err := l.members.isMember(ctx, channel, cb.User.ID, l.now())
	if err != nil {
		log.Error("slack: action refused: the channel's members could not be read (the app needs channels:read, and groups:read for private channels)", "error", err)
		l.respond(ctx, cb.ResponseURL, "newswatch could not check that you are a member of this channel. Nothing was changed.")
		return
	}
	if !member {
		refuse("not a member of the channel", "Only members of <#"+channel+"> can act on its alerts.")
		return
	}

	now := l.now()
	by := "@" + name
	var reply string
	muted := false
	switch c.action {
	case ActionMute:
		if alert.StoryID == 0 {
			refuse("no story", "This alert has no story to mute: it was recorded before newswatch grouped stories.")
			return
		}
		s := l.silence(alert, store.SilenceMute, channel, by, cb.User.ID, now)
		if err := l.rec.AddSilence(ctx, s); errors.Is(err, store.ErrSilenceInForce) {
			log.Info("slack: action repeated; already in force", "silence_id", s.ID, "story_id", alert.StoryID)
			l.respond(ctx, cb.ResponseURL, fmt.Sprintf("This story is already muted in <#%s> (by %s). To undo it: the status page, or `newswatch mutes remove %d`.",
				channel, truncEscape(notify.CleanText(s.CreatedBy), 80), s.ID))
			return
		} else if err != nil {
			refuse("not recorded", "newswatch could not record the mute.", "error", err)
			return
		}
		muted = true
		log.Info("slack: action", "silence_id", s.ID, "story_id", alert.StoryID)
		reply = fmt.Sprintf("Muted in <#%s>: no more alerts or follow-ups of this story here. To undo it: the status page, or `newswatch mutes remove %d`.", channel, s.ID)
	case ActionSnooze:
		s := l.silence(alert, store.SilenceSnooze, channel, by, cb.User.ID, now)
		s.Until = now.Add(c.snooze)
		if err := l.rec.AddSilence(ctx, s); errors.Is(err, store.ErrSilenceInForce) {
			log.Info("slack: action repeated; already in force", "silence_id", s.ID, "until", s.Until)
			l.respond(ctx, cb.ResponseURL, fmt.Sprintf("Rule *%s* is already snoozed in <#%s> until %s (by %s). To end it sooner: the status page, or `newswatch mutes remove %d`.",
				truncEscape(notify.CleanText(alert.Rule), 100), channel, l.bot.style.date(s.Until), truncEscape(notify.CleanText(s.CreatedBy), 80), s.ID))
			return
		} else if err != nil {
			refuse("not recorded", "newswatch could not record the snooze.", "error", err)
			return
		}
		log.Info("slack: action", "silence_id", s.ID, "until", s.Until)
		reply = fmt.Sprintf("Rule *%s* snoozed in <#%s> for %s, until %s. What it matches meanwhile is kept and comes as one summary when the snooze ends. To undo it: the status page, or `newswatch mutes remove %d`.",
			truncEscape(notify.CleanText(alert.Rule), 100), channel, lengthText(c.length), l.bot.style.date(s.Until), s.ID)
	case ActionNotRelevant:
		fb := &store.Feedback{AlertID: alert.ID, ItemID: alert.ItemID, StoryID: alert.StoryID, Rule: alert.Rule,
			Notifier: alert.Notifier, ChannelID: channel, Title: alert.Title, Link: alert.Link, Feed: alert.Feed,
			Hits: alert.Hits, CreatedBy: by, CreatorID: cb.User.ID, CreatedAt: now}
		isNew, err := l.rec.AddFeedback(ctx, fb)
		if err != nil {
			refuse("not recorded", "newswatch could not record your feedback.", "error", err)
			return
		}
		if !isNew {
			log.Info("slack: action repeated; already recorded")
			l.respond(ctx, cb.ResponseURL, "You already marked this alert not relevant.")
			return
		}
		log.Info("slack: action", "feedback_id", fb.ID, "hits", len(alert.Hits))
		rule := truncEscape(notify.CleanText(alert.Rule), 100)
		reply = fmt.Sprintf("Recorded as not relevant for rule *%s*. `newswatch rules feedback -rule %s` lists such items and suggests terms to exclude.", rule, rule)
	}
	l.update(ctx, log, cb, channel, ts, alert.ID, l.bot.style.statusLine(c, cb.User.ID, name, alert.Rule, now), muted)
	l.respond(ctx, cb.ResponseURL, reply)
}

// silence returns the silence of kind that a click on alert's message in
// channel asks for.
func (l *Listener) silence(a *model.Alert, kind store.SilenceKind, channel, by, byID string, now time.Time) *store.Silence {
	return &store.Silence{Kind: kind, Notifier: l.bot.name, Channel: l.bot.ResolveChannel(a.Channel),
		ChannelID: channel, StoryID: a.StoryID, Rule: a.Rule, AlertID: a.ID, Title: a.Title,
		CreatedBy: by, CreatorID: byID, CreatedAt: now}
}

// update writes line under the alert's message (chat.update), keeping what
// it shows and the lines of earlier actions. A failure is logged: what was
// asked for holds all the same.
func (l *Listener) update(ctx context.Context, log *slog.Logger, cb *slackgo.InteractionCallback, channel, ts string, alertID int64, line string, muted bool) {
	key := channel + " " + ts
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	blocks := cb.Message.Blocks.BlockSet
	if prev, ok := l.sent[key]; ok && now.Sub(prev.at) < sentKeep {
		blocks = prev.blocks
	}
	blocks = updatedBlocks(blocks, alertID, line, muted)
	_, _, _, err := l.client().UpdateMessageContext(ctx, channel, ts,
		slackgo.MsgOptionText(cb.Message.Text, false), slackgo.MsgOptionBlocks(blocks...))
	if err != nil {
		log.Warn("slack: the alert's message could not be updated; the action holds all the same", "error", err)
		return
	}
	for k, s := range l.sent {
		if now.Sub(s.at) >= sentKeep {
			delete(l.sent, k)
		}
	}
	l.sent[key] = sentBlocks{blocks: blocks, at: now}
}

// The slash command: `/newswatch test QUERY`.

// testDays is how far back `/newswatch test` looks, and testShown how
// many matches it lists.
const (
	testDays  = 7
	testShown = 5
)

// slashAck returns the acknowledgement of a slash command, which Slack
// shows only to the person who typed it, and the query to run, "" for
// none.
func (l *Listener) slashAck(cmd *slackgo.SlashCommand) (reply map[string]any, query string) {
	sub, rest, _ := strings.Cut(strings.TrimSpace(cmd.Text), " ")
	query = strings.TrimSpace(rest)
	l.log.Info("slack: slash command", "command", cmd.Command, "text", cmd.Text, "user_id", cmd.UserID,
		"user", cmd.UserName, "channel_id", cmd.ChannelID)
	ephemeral := func(text string) map[string]any {
		return map[string]any{"response_type": slackgo.ResponseTypeEphemeral, "text": text}
	}
	switch {
	case sub != "test" || query == "":
		return ephemeral(fmt.Sprintf("Usage: `%s test QUERY` tries a query of the rule language on the items of the last %d days, e.g. `%s test syria AND (israel OR إسرائيل)`. Only you see the answer.",
			escapeSlack(cmd.Command), testDays, escapeSlack(cmd.Command))), ""
	case l.search == nil:
		return ephemeral("The search is not available on this newswatch."), ""
	}
	return ephemeral(fmt.Sprintf("Searching the last %d days for `%s`…", testDays, truncEscape(notify.CleanText(query), 300))), query
}

// test runs the query of `/newswatch test` and answers privately through
// the command's response_url.
func (l *Listener) test(ctx context.Context, cmd *slackgo.SlashCommand, query string) {
	now := l.now()
	res, err := l.search(ctx, query, now.Add(-testDays*24*time.Hour), testShown)
	shown := truncEscape(notify.CleanText(query), 300)
	if err != nil {
		l.log.Info("slack: slash command query refused", "query", query, "error", err)
		l.respond(ctx, cmd.ResponseURL, fmt.Sprintf("`%s`: %s", shown, truncEscape(notify.CleanText(err.Error()), 500)))
		return
	}
	l.log.Info("slack: slash command answered", "query", query, "matches", res.Matches, "scanned", res.Scanned, "user_id", cmd.UserID)
	l.respond(ctx, cmd.ResponseURL, l.bot.style.testAnswer(shown, res))
}

// testAnswer is the answer to `/newswatch test`: how many of the items
// read the query matched, and the first of them.
func (st style) testAnswer(query string, res *SearchResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "`%s` matches *%s* of the %s items first seen in the last %d days",
		query, strconv.Itoa(res.Matches), strconv.Itoa(res.Scanned), testDays)
	if res.Cut != "" {
		b.WriteString(" (" + escapeSlack(res.Cut) + ")")
	}
	if len(res.Items) == 0 {
		b.WriteString(".")
		return b.String()
	}
	if len(res.Items) < res.Matches {
		b.WriteString(". The newest:")
	} else {
		b.WriteString(":")
	}
	for _, it := range res.Items {
		b.WriteString("\n• " + linkText(it.Link, truncEscape(notify.CleanText(it.Title), maxListTitle)))
		var meta []string
		if feed := notify.CleanText(it.Feed); feed != "" {
			meta = append(meta, truncEscape(feed, maxFeedChars))
		}
		if !it.When.IsZero() {
			meta = append(meta, st.date(it.When))
		}
		if it.Matched != "" {
			meta = append(meta, "matched: "+truncEscape(notify.CleanText(it.Matched), 300))
		}
		if len(meta) > 0 {
			b.WriteString(" — " + strings.Join(meta, " · "))
		}
	}
	return b.String()
}
