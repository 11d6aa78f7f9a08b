package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/newswatch/newswatch/internal/logtest"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// listenFixture is a fake Slack, a store, a bot with buttons posting to
// #news, and its Listener.
type listenFixture struct {
	t     *testing.T
	fake  *slacktest.Server
	st    *store.Store
	bot   *Bot
	l     *Listener
	clock *testClock
	logs  *logtest.Buffer
	feed  *store.FeedState
}

var listenT0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func newListenFixture(t *testing.T, fo slacktest.Options, lo ListenerOptions) *listenFixture {
	t.Helper()
	f := &listenFixture{t: t, clock: &testClock{t: listenT0}, logs: &logtest.Buffer{}}
	fo.Clock = f.clock.Now
	f.fake = slacktest.Start(t, fo)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st = st
	if err := st.SyncFeeds(context.Background(), []model.Feed{{Name: "Wire", URL: "https://wire.example/rss", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if f.feed, err = st.Feed(context.Background(), "Wire"); err != nil {
		t.Fatal(err)
	}
	f.bot = newTestSlack(t, f.fake, BotOptions{Name: "slack", Actions: true})
	lo.Bot = f.bot
	if lo.AppToken == "" {
		lo.AppToken = slacktest.DefaultAppToken
	}
	if lo.Recorder == nil {
		lo.Recorder = st
	}
	lo.Log = slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	lo.Now = f.clock.Now
	if lo.BackoffMin == 0 {
		lo.BackoffMin, lo.BackoffMax = time.Millisecond, 10*time.Millisecond
	}
	if f.l, err = NewListener(lo); err != nil {
		t.Fatal(err)
	}
	return f
}

// run runs the Listener until the test ends.
func (f *listenFixture) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.l.Run(ctx) }()
	f.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			f.t.Errorf("Run: %v", err)
		}
	})
}

// ctx is a context that bounds one wait of the test.
func (f *listenFixture) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	f.t.Cleanup(cancel)
	return ctx
}

// connected waits for connection n (1 for the first).
func (f *listenFixture) connected(n int) {
	f.t.Helper()
	if err := f.fake.WaitSocket(f.ctx(), n); err != nil {
		f.t.Fatalf("%v\nlog:\n%s", err, f.logs.String())
	}
}

// postAlert records an item of a new story, an alert of rule for it, and
// posts it to #news as the Dispatcher would, recording the delivery.
func (f *listenFixture) postAlert(rule, title string) *model.Alert {
	f.t.Helper()
	ctx := context.Background()
	tx, err := f.st.Begin(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	defer tx.Rollback()
	now := f.clock.Now()
	story := &store.Story{Title: title, CreatedAt: now}
	if err := tx.NewStory(story); err != nil {
		f.t.Fatal(err)
	}
	item := &model.Item{FeedID: f.feed.ID, Identity: "guid:" + title, Title: title, StoryID: story.ID, SeenAt: now}
	if err := tx.AddItem(item); err != nil {
		f.t.Fatal(err)
	}
	a := &model.Alert{Rule: rule, Notifier: "slack", ItemID: item.ID, StoryID: story.ID, Title: title,
		Link: "https://wire.example/" + strings.ReplaceAll(title, " ", "-"), Feed: "Wire",
		Hits: []model.Hit{{Field: "title", Text: "talks"}}, CreatedAt: now}
	if err := tx.Enqueue(a); err != nil {
		f.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		f.t.Fatal(err)
	}
	m := &notify.Message{Kind: notify.KindAlert, Rule: rule, Entries: []notify.Entry{{
		AlertID: a.ID, ItemID: a.ItemID, Title: a.Title, Link: a.Link, Feed: a.Feed, Hits: a.Hits, Seen: now}}}
	r, _, err := f.bot.Notify(ctx, m)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.MarkDelivered(ctx, a.ID, now, r.RemoteID, r.Channel); err != nil {
		f.t.Fatal(err)
	}
	a.RemoteID, a.RemoteChannel = r.RemoteID, r.Channel
	return a
}

// click clicks a button of alert a's message as user and waits for the
// Listener's acknowledgement.
func (f *listenFixture) click(a *model.Alert, user, actionID, option string) {
	f.t.Helper()
	_, err := f.fake.Click(f.ctx(), slacktest.Click{Channel: a.RemoteChannel, TS: a.RemoteID,
		User: user, UserName: strings.ToLower(strings.TrimPrefix(user, "U")), ActionID: actionID, Option: option})
	if err != nil {
		f.t.Fatal(err)
	}
}

// response waits for the n-th private reply (1-based) and returns it.
func (f *listenFixture) response(n int) slacktest.Response {
	f.t.Helper()
	got, err := f.fake.WaitResponses(f.ctx(), n)
	if err != nil {
		f.t.Fatalf("%v\nlog:\n%s", err, f.logs.String())
	}
	r := got[n-1]
	if r.ResponseType != "ephemeral" || r.ReplaceOriginal {
		f.t.Errorf("reply %+v: want ephemeral, not replacing the alert", r)
	}
	return r
}

// updates waits for n chat.update requests and returns them.
func (f *listenFixture) updates(n int) []slacktest.Message {
	f.t.Helper()
	got, err := f.fake.WaitRequests(f.ctx(), slacktest.MethodUpdate, n)
	if err != nil {
		f.t.Fatalf("%v\nlog:\n%s", err, f.logs.String())
	}
	return got
}

// shown returns the message of alert a as Slack shows it now, its blocks
// as JSON without HTML escapes ("<", not "\u003c").
func (f *listenFixture) shown(a *model.Alert) slacktest.Message {
	f.t.Helper()
	for _, m := range f.fake.Messages() {
		if m.ChannelID == a.RemoteChannel && m.TS == a.RemoteID {
			var v any
			if err := json.Unmarshal([]byte(m.Blocks), &v); err != nil {
				f.t.Fatal(err)
			}
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.Encode(v)
			m.Blocks = strings.TrimSpace(b.String())
			return m
		}
	}
	f.t.Fatalf("no message %s", a.RemoteID)
	return slacktest.Message{}
}

func (f *listenFixture) silences() []*store.Silence {
	f.t.Helper()
	list, err := f.st.Silences(context.Background(), store.SilenceFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	return list
}

func TestAlertCarriesButtonsOnlyWithActions(t *testing.T) {
	f := newListenFixture(t, slacktest.Options{}, ListenerOptions{})
	a := f.postAlert("talks", "Talks in Baku")
	blocks := f.shown(a).Blocks
	checkBlockKitJSON(t, []byte(blocks))
	for _, want := range []string{`"action_id":"newswatch_mute"`, `"value":"` + strconv.FormatInt(a.ID, 10) + `"`,
		`"value":"` + strconv.FormatInt(a.ID, 10) + `/24h"`, `"value":"` + strconv.FormatInt(a.ID, 10) + `/7d"`,
		"Not relevant", "Snooze rule 1 h"} {
		if !strings.Contains(blocks, want) {
			t.Errorf("blocks lack %s:\n%s", want, blocks)
		}
	}

	// Without a listener: no buttons, nor on a thread reply or a summary.
	plain := newTestSlack(t, f.fake, BotOptions{})
	m := &notify.Message{Kind: notify.KindAlert, Rule: "talks", Entries: []notify.Entry{{AlertID: 9, Title: "x"}}}
	withButtons := newTestSlack(t, f.fake, BotOptions{Actions: true})
	reply := *m
	reply.ThreadTS = a.RemoteID
	summary := &notify.Message{Kind: notify.KindSummary, Rule: "talks", Entries: []notify.Entry{{AlertID: 9, Title: "x"}, {AlertID: 10, Title: "y"}}}
	for _, tc := range []struct {
		name string
		bot  *Bot
		m    *notify.Message
	}{{"no listener", plain, m}, {"thread reply", withButtons, &reply}, {"summary", withButtons, summary}} {
		blocks, _ := tc.bot.style.render(tc.m)
		raw, _ := json.Marshal(blocks)
		if strings.Contains(string(raw), "newswatch_mute") {
			t.Errorf("%s: buttons: %s", tc.name, raw)
		}
	}
}

func TestMuteFromSlack(t *testing.T) {
	f := newListenFixture(t, slacktest.Options{}, ListenerOptions{})
	f.fake.SetMembers("#news", "UBOB", "UALICE")
	a := f.postAlert("talks", "Talks in Baku")
	f.run()
	f.connected(1)

	f.click(a, "UALICE", actionMute, "")
	reply := f.response(1)
	if !strings.Contains(reply.Text, "Muted in <#CNEWS>") || !strings.Contains(reply.Text, "newswatch mutes remove") {
		t.Errorf("reply to alice: %q", reply.Text)
	}
	list := f.silences()
	if len(list) != 1 {
		t.Fatalf("silences: %+v", list)
	}
	s := list[0]
	if s.Kind != store.SilenceMute || s.StoryID != a.StoryID || s.Notifier != "slack" || s.Channel != "#news" ||
		s.ChannelID != "CNEWS" || s.CreatedBy != "@alice" || s.CreatorID != "UALICE" || s.AlertID != a.ID ||
		!s.CreatedAt.Equal(listenT0) || !s.Until.IsZero() || s.Title != "Talks in Baku" {
		t.Errorf("stored mute: %+v", s)
	}

	upd := f.updates(1)[0]
	if upd.ChannelID != "CNEWS" || upd.TS != a.RemoteID {
		t.Errorf("update of %s %s, want the alert's message", upd.ChannelID, upd.TS)
	}
	shown := f.shown(a)
	checkBlockKitJSON(t, []byte(shown.Blocks))
	if !strings.Contains(shown.Blocks, "Muted by <@UALICE>") {
		t.Errorf("the message does not say who muted it:\n%s", shown.Blocks)
	}
	if strings.Contains(shown.Blocks, actionMute) || !strings.Contains(shown.Blocks, actionSnooze) {
		t.Errorf("after a mute the message should offer snoozes, not the mute:\n%s", shown.Blocks)
	}
	if !strings.Contains(shown.Blocks, "Talks in Baku") || shown.Text == "" {
		t.Errorf("the update lost the alert:\n%s", shown.Blocks)
	}
	if !strings.Contains(f.logs.String(), `"msg":"slack: action","notifier":"slack","action":"mute","user_id":"UALICE"`) {
		t.Errorf("the action is not logged:\n%s", f.logs.String())
	}

	// Bob snoozes the rule for a week from the menu: the line is added
	// under alice's.
	f.click(a, "UBOB", actionSnoozeFor, strconv.FormatInt(a.ID, 10)+"/7d")
	f.response(2)
	f.updates(2)
	shown = f.shown(a)
	if !strings.Contains(shown.Blocks, "Muted by <@UALICE>") || !strings.Contains(shown.Blocks, "snoozed by <@UBOB> for 7 d") {
		t.Errorf("after two actions:\n%s", shown.Blocks)
	}
	checkBlockKitJSON(t, []byte(shown.Blocks))
	list = f.silences()
	if len(list) != 2 || list[0].Kind != store.SilenceSnooze || !list[0].Until.Equal(listenT0.Add(7*24*time.Hour)) ||
		list[0].Rule != "talks" || list[0].CreatedBy != "@bob" {
		t.Errorf("silences after the snooze: %+v", list[0])
	}
}

func TestActionOfANonMemberIsRefused(t *testing.T) {
	f := newListenFixture(t, slacktest.Options{}, ListenerOptions{})
	f.fake.SetMembers("#news", "UALICE")
	a := f.postAlert("talks", "Talks in Baku")
	f.run()
	f.connected(1)

	f.click(a, "UMALLORY", actionMute, "")
	reply := f.response(1)
	if !strings.Contains(reply.Text, "Only members of <#CNEWS>") || !strings.Contains(reply.Text, "Nothing was changed") {
		t.Errorf("reply: %q", reply.Text)
	}
	if list := f.silences(); len(list) != 0 {
		t.Errorf("a non-member's mute was recorded: %+v", list)
	}
	if !strings.Contains(f.logs.String(), "slack: action refused: not a member of the channel") {
		t.Errorf("the refusal is not logged:\n%s", f.logs.String())
	}
	// A member's click after it goes through: the refusal changed nothing.
	f.click(a, "UALICE", actionNotRelevant, "")
	f.response(2)
	if ups := f.updates(1); len(ups) != 1 {
		t.Errorf("%d updates, want 1 (the member's)", len(ups))
	}
}

func TestActionOnAnotherMessageIsRefused(t *testing.T) {
	f := newListenFixture(t, slacktest.Options{}, ListenerOptions{})
	f.fake.SetMembers("#news", "UALICE")
	a := f.postAlert("talks", "Talks in Baku")
	b := f.postAlert("talks", "Talks in Riyadh")
	// The button of b's message names a; the store knows a was posted
	// elsewhere.
	if err := f.st.MarkDelivered(context.Background(), a.ID, listenT0, b.RemoteID, "COTHER"); err != nil {
		t.Fatal(err)
	}
	f.run()
	f.connected(1)
	f.click(&model.Alert{RemoteChannel: a.RemoteChannel, RemoteID: a.RemoteID}, "UALICE", actionMute, "")
	if reply := f.response(1); !strings.Contains(reply.Text, "not the alert newswatch posted here") {
		t.Errorf("reply: %q", reply.Text)
	}
	if list := f.silences(); len(list) != 0 {
		t.Errorf("recorded: %+v", list)
	}
}

func TestNotRelevantIsRecordedOncePerPerson(t *testing.T) {
	f := newListenFixture(t, slacktest.Options{}, ListenerOptions{})
	f.fake.SetMembers("#news", "UALICE")
	a := f.postAlert("talks", "Football talks in Baku")
	f.run()
	f.connected(1)
	f.click(a, "UALICE", actionNotRelevant, "")
	if r := f.response(1); !strings.Contains(r.Text, "rules feedback -rule talks") {
		t.Errorf("reply: %q", r.Text)
	}
	f.click(a, "UALICE", actionNotRelevant, "")
	if r := f.response(2); !strings.Contains(r.Text, "already") {
		t.Errorf("second reply: %q", r.Text)
	}
	fb, err := f.st.Feedback(context.Background(), store.FeedbackFilter{Rule: "talks"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fb) != 1 || fb[0].AlertID != a.ID || fb[0].ItemID != a.ItemID || fb[0].CreatedBy != "@alice" ||
		len(fb[0].Hits) != 1 || fb[0].Hits[0].Text != "talks" || fb[0].ChannelID != "CNEWS" {
		t.Errorf("feedback: %+v", fb)
	}
	if ups := f.updates(1); len(ups) != 1 || !strings.Contains(f.shown(a).Blocks, "Marked not relevant by <@UALICE>") {
		t.Errorf("updates: %d; shown:\n%s", len(ups), f.shown(a).Blocks)
	}
}

func TestListenerReconnectsAfterADrop(t *testing.T) {
	f := newListenFixture(t, slacktest.Options{}, ListenerOptions{})
	f.fake.SetMembers("#news", "UALICE")
	a := f.postAlert("talks", "Talks in Baku")
	f.run()
	f.connected(1)
	if !f.fake.DropSocket() {
		t.Fatal("no connection to drop")
	}
	f.connected(2)
	if opens, _ := f.fake.SocketOpens(); opens != 2 {
		t.Errorf("%d opens, want 2: a dropped connection is opened again", opens)
	}
	f.click(a, "UALICE", actionMute, "")
	f.response(1)
	if len(f.silences()) != 1 {
		t.Error("the click on the new connection was not recorded")
	}
}

func TestListenerBacksOffUntilTheTokenWorks(t *testing.T) {
	f := newListenFixture(t, slacktest.Options{AppToken: "xapp-rotated"}, ListenerOptions{})
	f.fake.FailOpens(1) // and before that, Slack's edge fails once
	f.run()
	// slack-go retries the 503 and gives up on invalid_auth; the Listener
	// opens again, with backoff, until the token works.
	refused, err := f.fake.WaitRequests(f.ctx(), slacktest.MethodConnectionsOpen, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refused {
		if r.Accepted {
			t.Fatalf("an open was accepted with the wrong token: %+v", r)
		}
	}
	f.fake.SetAppToken(slacktest.DefaultAppToken)
	f.connected(1)
	if !f.l.Connected() {
		// Connected follows the client's event; wait for it.
		deadline := time.Now().Add(10 * time.Second)
		for !f.l.Connected() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if !f.l.Connected() {
			t.Error("Connected is false on a live connection")
		}
	}
	log := f.logs.String()
	if !strings.Contains(log, "Socket Mode connection failed; buttons and slash commands wait for it") ||
		!strings.Contains(log, "invalid_auth") {
		t.Errorf("the failures are not logged:\n%s", log)
	}
}

func TestSlashCommandTest(t *testing.T) {
	var asked struct {
		query string
		since time.Time
		keep  int
	}
	search := func(_ context.Context, query string, since time.Time, keep int) (*SearchResult, error) {
		if strings.HasPrefix(query, "(") {
			return nil, errors.New(`1:1: unclosed "("`)
		}
		asked.query, asked.since, asked.keep = query, since, keep
		return &SearchResult{Matches: 7, Scanned: 1200, Items: []SearchItem{
			{Title: "Syria and Israel <!channel> talk", Link: "https://wire.example/1", Feed: "Wire", When: listenT0, Matched: `"syria" (title)`},
		}}, nil
	}
	f := newListenFixture(t, slacktest.Options{}, ListenerOptions{Search: search})
	f.run()
	f.connected(1)

	ack, err := f.fake.Slash(f.ctx(), slacktest.Slash{Channel: "#news", User: "UALICE", UserName: "alice",
		Command: "/newswatch", Text: "test syria AND israel"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ack.Payload, `"response_type":"ephemeral"`) || !strings.Contains(ack.Payload, "Searching the last 7 days") {
		t.Errorf("acknowledgement: %s", ack.Payload)
	}
	r := f.response(1)
	if asked.query != "syria AND israel" || !asked.since.Equal(listenT0.Add(-7*24*time.Hour)) || asked.keep != 5 {
		t.Errorf("search asked %+v", asked)
	}
	for _, want := range []string{"`syria AND israel` matches *7* of the 1200 items", "<https://wire.example/1|Syria and Israel &lt;!channel&gt; talk>"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("answer lacks %q:\n%s", want, r.Text)
		}
	}

	// A bad query, and a command without one.
	f.fake.Slash(f.ctx(), slacktest.Slash{Channel: "#news", User: "UALICE", Command: "/newswatch", Text: "test (syria"})
	if r := f.response(2); !strings.Contains(r.Text, "unclosed") {
		t.Errorf("answer to a bad query: %q", r.Text)
	}
	ack, _ = f.fake.Slash(f.ctx(), slacktest.Slash{Channel: "#news", User: "UALICE", Command: "/newswatch", Text: "help"})
	if !strings.Contains(ack.Payload, "Usage: `/newswatch test QUERY`") {
		t.Errorf("acknowledgement of help: %s", ack.Payload)
	}
}

func TestMemberCache(t *testing.T) {
	clock := &testClock{t: listenT0}
	fetches := 0
	members := map[string]bool{"UALICE": true}
	c := &memberCache{ttl: time.Minute, byChannel: map[string]*memberList{},
		fetch: func(context.Context, string) (map[string]bool, error) {
			fetches++
			out := map[string]bool{}
			for k, v := range members {
				out[k] = v
			}
			return out, nil
		}}
	ask := func(user string) bool {
		t.Helper()
		ok, err := c.isMember(context.Background(), "CNEWS", user, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for i, step := range []struct {
		advance time.Duration
		change  func()
		user    string
		want    bool
		fetches int
	}{
		{0, nil, "UALICE", true, 1},
		{time.Second, nil, "UALICE", true, 1},                                       // cached
		{time.Second, nil, "UBOB", false, 1},                                        // cached: read 2s ago
		{15 * time.Second, func() { members["UBOB"] = true }, "UBOB", true, 2},      // not in a list 17s old: read again (he just joined)
		{10 * time.Second, func() { delete(members, "UALICE") }, "UALICE", true, 2}, // removed, but the list is fresh
		{time.Minute, nil, "UALICE", false, 3},                                      // the list expired
	} {
		clock.Advance(step.advance)
		if step.change != nil {
			step.change()
		}
		if got := ask(step.user); got != step.want || fetches != step.fetches {
			t.Errorf("step %d: member %v after %d reads, want %v after %d", i, got, fetches, step.want, step.fetches)
		}
	}
}

func TestParseClick(t *testing.T) {
	for _, tc := range []struct {
		actionID, value, option string
		want                    click
		err                     bool
	}{
		{actionMute, "12", "", click{action: ActionMute, alertID: 12}, false},
		{actionSnooze, "12/24h", "", click{action: ActionSnooze, alertID: 12, snooze: 24 * time.Hour, length: "24h"}, false},
		{actionSnoozeFor, "", "12/1h", click{action: ActionSnooze, alertID: 12, snooze: time.Hour, length: "1h"}, false},
		{actionSnooze, "12/100d", "", click{}, true},
		{actionNotRelevant, "x", "", click{}, true},
		{actionNotRelevantFor, "", "12", click{action: ActionNotRelevant, alertID: 12}, false},
		{actionNotRelevantFor, "", "", click{}, true},
		{actionMute, "-3", "", click{}, true},
		{"other_app_button", "1", "", click{}, true},
	} {
		t.Run(fmt.Sprintf("%s=%s%s", tc.actionID, tc.value, tc.option), func(t *testing.T) {
			a := &slackgo.BlockAction{ActionID: tc.actionID, Value: tc.value,
				SelectedOption: slackgo.OptionBlockObject{Value: tc.option}}
			got, err := parseClick(a)
			if (err != nil) != tc.err || (!tc.err && got != tc.want) {
				t.Errorf("parseClick = %+v, %v; want %+v (error %v)", got, err, tc.want, tc.err)
			}
		})
	}
}

// TestRepeatedClickRecordsOneSilence: a click counted twice (Slack
// delivering it again, to this daemon or another replica, or a person
// clicking on the message as it was before someone else's click) records
// one silence and writes one line; a longer snooze extends the one in
// force.
func TestRepeatedClickRecordsOneSilence(t *testing.T) {
	f := newListenFixture(t, slacktest.Options{}, ListenerOptions{})
	f.fake.SetMembers("#news", "UBOB", "UALICE")
	a := f.postAlert("talks", "Talks in Baku")
	f.run()
	f.connected(1)
	payload := func(user, actionID, option string) map[string]any {
		p, err := f.fake.ClickPayload(slacktest.Click{Channel: a.RemoteChannel, TS: a.RemoteID, User: user,
			UserName: strings.ToLower(strings.TrimPrefix(user, "U")), ActionID: actionID, Option: option})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	send := func(p map[string]any) {
		t.Helper()
		if _, err := f.fake.Send(f.ctx(), "interactive", p); err != nil {
			t.Fatal(err)
		}
	}
	updates := func() int {
		n := 0
		for _, r := range f.fake.Requests() {
			if r.Method == slacktest.MethodUpdate {
				n++
			}
		}
		return n
	}
	// Built on the message as first posted, with all its buttons.
	aliceMute := payload("UALICE", actionMute, "")
	bobMute := payload("UBOB", actionMute, "")
	bobSnooze := payload("UBOB", actionSnooze, "")
	aliceWeek := payload("UALICE", actionSnoozeFor, strconv.FormatInt(a.ID, 10)+"/7d")

	send(aliceMute)
	f.response(1)
	send(aliceMute) // delivered again
	// A click's update, when there is one, comes before its reply.
	if reply := f.response(2); !strings.Contains(reply.Text, "already muted in <#CNEWS> (by @alice)") {
		t.Errorf("reply to the mute delivered again: %q", reply.Text)
	}
	send(bobMute)
	if reply := f.response(3); !strings.Contains(reply.Text, "already muted") {
		t.Errorf("reply to bob's mute: %q", reply.Text)
	}
	if n := updates(); n != 1 {
		t.Errorf("%d updates of the message, want 1", n)
	}

	send(bobSnooze)
	f.response(4)
	f.clock.Advance(5 * time.Second)
	send(bobSnooze) // delivered again, seconds later
	if reply := f.response(5); !strings.Contains(reply.Text, "already snoozed in <#CNEWS>") {
		t.Errorf("reply to the snooze delivered again: %q", reply.Text)
	}
	if n := updates(); n != 2 {
		t.Errorf("%d updates of the message, want 2", n)
	}
	send(aliceWeek)
	f.response(6)
	list := f.silences()
	if len(list) != 2 {
		t.Fatalf("silences: %+v, want one mute and one snooze", list)
	}
	snooze := list[0]
	if snooze.Kind != store.SilenceSnooze || snooze.CreatedBy != "@bob" ||
		!snooze.Until.Equal(listenT0.Add(5*time.Second+7*24*time.Hour)) {
		t.Errorf("the snooze after alice's 7 d: %+v, want bob's, extended", snooze)
	}
	if n := updates(); n != 3 {
		t.Errorf("%d updates of the message, want 3", n)
	}
}

// TestActionsOnAnAlertOfSeveralRules: an article that matched two rules
// is one message whose alerts were recorded with it together. Its buttons
// act on the first rule, and its menu snoozes the other through that
// rule's own alert; a click keeps every rule's buttons, a mute takes only
// the mute button away.
func TestActionsOnAnAlertOfSeveralRules(t *testing.T) {
	f := newListenFixture(t, slacktest.Options{}, ListenerOptions{})
	f.fake.SetMembers("#news", "UBOB", "UALICE")
	ctx := context.Background()
	tx, err := f.st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	story := &store.Story{Title: "Talks in Baku", CreatedAt: listenT0}
	if err := tx.NewStory(story); err != nil {
		t.Fatal(err)
	}
	item := &model.Item{FeedID: f.feed.ID, Identity: "guid:baku", Title: "Talks in Baku", StoryID: story.ID, SeenAt: listenT0}
	if err := tx.AddItem(item); err != nil {
		t.Fatal(err)
	}
	var alerts []*model.Alert
	for _, rule := range []string{"talks", "gulf"} {
		a := &model.Alert{Rule: rule, Notifier: "slack", ItemID: item.ID, StoryID: story.ID, Title: item.Title,
			Link: "https://wire.example/baku", Feed: "Wire", CreatedAt: listenT0}
		if err := tx.Enqueue(a); err != nil {
			t.Fatal(err)
		}
		alerts = append(alerts, a)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	m := &notify.Message{Kind: notify.KindAlert, Rule: "talks", Rules: []notify.RuleRef{{Name: "talks"}, {Name: "gulf"}}}
	for _, a := range alerts {
		m.Entries = append(m.Entries, notify.Entry{AlertID: a.ID, ItemID: a.ItemID, Rule: a.Rule, Title: a.Title, Link: a.Link, Feed: a.Feed, Seen: listenT0})
	}
	r, _, err := f.bot.Notify(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.MarkDeliveredMany(ctx, []int64{alerts[0].ID, alerts[1].ID}, listenT0, r.RemoteID, r.Channel); err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		a.RemoteID, a.RemoteChannel = r.RemoteID, r.Channel
	}
	talks, gulf := alerts[0], alerts[1]
	gulfSnooze := strconv.FormatInt(gulf.ID, 10) + "/24h"
	blocks := f.shown(talks).Blocks
	checkBlockKitJSON(t, []byte(blocks))
	for _, want := range []string{`"value":"` + strconv.FormatInt(talks.ID, 10) + `/24h"`, "Snooze talks 24 h", "Snooze talks 7 d",
		`"value":"` + gulfSnooze + `"`, "Snooze gulf 24 h", actionNotRelevantFor, "Not relevant for talks", "Not relevant for gulf"} {
		if !strings.Contains(blocks, want) {
			t.Errorf("buttons lack %s:\n%s", want, blocks)
		}
	}
	f.run()
	f.connected(1)

	f.click(gulf, "UBOB", actionSnoozeFor, gulfSnooze)
	if reply := f.response(1); !strings.Contains(reply.Text, "Rule *gulf* snoozed in <#CNEWS> for 24 h") {
		t.Errorf("reply to bob: %q", reply.Text)
	}
	if list := f.silences(); len(list) != 1 || list[0].Rule != "gulf" || list[0].AlertID != gulf.ID {
		t.Fatalf("silences %+v, want a snooze of gulf", list)
	}
	f.updates(1)
	shown := f.shown(talks)
	checkBlockKitJSON(t, []byte(shown.Blocks))
	if !strings.Contains(shown.Blocks, "Rule *gulf* snoozed by <@UBOB>") || !strings.Contains(shown.Blocks, gulfSnooze) ||
		!strings.Contains(shown.Blocks, actionMute) || !strings.Contains(shown.Blocks, "Snooze talks 24 h") {
		t.Errorf("after the snooze the message should keep every rule's buttons:\n%s", shown.Blocks)
	}

	f.click(talks, "UALICE", actionMute, "")
	f.response(2)
	f.updates(2)
	shown = f.shown(talks)
	checkBlockKitJSON(t, []byte(shown.Blocks))
	if strings.Contains(shown.Blocks, actionMute) || !strings.Contains(shown.Blocks, gulfSnooze) ||
		!strings.Contains(shown.Blocks, "Muted by <@UALICE>") || !strings.Contains(shown.Blocks, "Rule *gulf* snoozed by <@UBOB>") {
		t.Errorf("after the mute:\n%s", shown.Blocks)
	}
	if list := f.silences(); len(list) != 2 || list[0].Kind != store.SilenceMute || list[0].StoryID != story.ID {
		t.Errorf("silences after the mute: %+v", list)
	}

	// "Not relevant" of a message of several rules is a menu of them: the
	// feedback goes to the rule chosen, not the first.
	f.click(gulf, "UALICE", actionNotRelevantFor, strconv.FormatInt(gulf.ID, 10))
	if reply := f.response(3); !strings.Contains(reply.Text, "Recorded as not relevant for rule *gulf*") {
		t.Errorf("reply to alice: %q", reply.Text)
	}
	f.updates(3)
	fb, err := f.st.Feedback(ctx, store.FeedbackFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fb) != 1 || fb[0].Rule != "gulf" || fb[0].AlertID != gulf.ID {
		t.Errorf("feedback %+v, want one for gulf's alert", fb)
	}
	if shown := f.shown(talks); !strings.Contains(shown.Blocks, "feedback for rule *gulf*") || !strings.Contains(shown.Blocks, actionNotRelevantFor) {
		t.Errorf("after the feedback:\n%s", shown.Blocks)
	}
}
