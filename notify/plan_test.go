package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/model"
)

// The planning is tested here, without workers or a store: alerts in,
// jobs and dead letters out, each written as one line.

var planT0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// plainNotifier is a notifier with one destination (a webhook, a console).
type plainNotifier struct{ name string }

func (n plainNotifier) Name() string { return n.name }
func (n plainNotifier) Notify(context.Context, *Message) (Receipt, bool, error) {
	return Receipt{}, false, nil
}

// channelNotifier chooses a channel per message, "#news" by default (a
// Slack bot).
type channelNotifier struct{ plainNotifier }

func (channelNotifier) ResolveChannel(channel string) string {
	if channel == "" {
		return "#news"
	}
	return channel
}

// testPolicy has a Slack bot "slack" that threads follow-ups, one "quiet"
// that sends them as messages of their own, and a webhook "hook".
func testPolicy() policy {
	return policy{notifiers: map[string]*Settings{
		"slack": {Notifier: channelNotifier{plainNotifier{"slack"}}, StoryUpdates: followup.Thread},
		"quiet": {Notifier: channelNotifier{plainNotifier{"quiet"}}, StoryUpdates: followup.Digest},
		"hook":  {Notifier: plainNotifier{"hook"}},
	}}
}

// alert builds alert id of rule for notifier and channel, queued at
// planT0.
func alert(id int64, rule, notifier, channel string) *model.Alert {
	return &model.Alert{ID: id, Rule: rule, Notifier: notifier, Channel: channel, CreatedAt: planT0, QueuedAt: planT0}
}

// also makes a a later report of the story of alert parent, whose status
// is status and whose message is ts ("" when it has none).
func also(a *model.Alert, parent int64, status model.AlertStatus, ts string) *model.Alert {
	a.Kind, a.ParentID = model.KindAlso, parent
	a.Parent = &model.ParentState{Status: status, Title: fmt.Sprintf("story of %d", parent), RemoteID: ts, RemoteChannel: "CNEWS"}
	return a
}

// item makes a an alert of item id.
func item(id int64, a *model.Alert) *model.Alert {
	a.ItemID = id
	return a
}

// held makes a an alert a snooze held back, due again.
func held(a *model.Alert) *model.Alert {
	a.SilenceID = 9
	return a
}

// update makes a an edit of alert parent.
func update(a *model.Alert, parent int64, ts string) *model.Alert {
	also(a, parent, model.StatusDelivered, ts)
	a.Kind = model.KindUpdate
	return a
}

// describe writes a job as "kind notifier#channel [ids]", and " thread"
// when it replies in a thread.
func describe(j *job) string {
	s := fmt.Sprintf("%s %s%s %v", j.kind, j.dest.notifier, j.dest.channel, j.ids())
	if j.threaded {
		s += " thread"
	}
	return s
}

// describePlan writes pl's jobs, then its dead letters as "dead id why".
func describePlan(pl plan) []string {
	var out []string
	for _, j := range pl.jobs {
		out = append(out, describe(j))
	}
	for _, d := range pl.dead {
		out = append(out, fmt.Sprintf("dead %d %s %s", d.alert.ID, d.why.Reason, d.why.Channel))
	}
	return out
}

func TestPlanJobs(t *testing.T) {
	tests := []struct {
		name   string
		alerts []*model.Alert
		want   []string
	}{
		{"an alert a job, on its channel or the notifier's", []*model.Alert{
			alert(1, "r", "slack", ""), alert(2, "r", "slack", "#desk"), alert(3, "r", "hook", "#ignored"),
		}, []string{"alert slack#news [1]", "alert slack#desk [2]", "alert hook [3]"}},
		{"an unknown notifier gives a dead letter", []*model.Alert{
			alert(1, "r", "ghost", ""), alert(2, "r", "slack", ""),
		}, []string{"alert slack#news [2]", "dead 1 unknown_notifier "}},
		{"reports of one alert in its thread, one reply", []*model.Alert{
			also(alert(5, "r", "slack", ""), 1, model.StatusDelivered, "1800000000.000001"),
			also(alert(6, "r", "slack", ""), 1, model.StatusDelivered, "1800000000.000001"),
			also(alert(7, "r", "slack", ""), 2, model.StatusDelivered, "1800000000.000002"),
		}, []string{"also slack#news [5 6] thread", "also slack#news [7] thread"}},
		{"without threads, the reports of a destination in one message", []*model.Alert{
			also(alert(5, "r", "quiet", ""), 1, model.StatusDelivered, "1800000000.000001"),
			also(alert(6, "other", "quiet", ""), 2, model.StatusDelivered, "1800000000.000002"),
			also(alert(7, "r", "quiet", ""), 3, model.StatusDelivered, "1800000000.000003"),
			also(alert(8, "r", "hook", ""), 1, model.StatusDelivered, ""),
			also(alert(9, "r", "hook", ""), 4, model.StatusDelivered, ""),
		}, []string{"also quiet#news [5 6 7]", "also hook [8 9]"}},
		{"the rules that matched one item, one message per destination", []*model.Alert{
			item(10, alert(1, "r", "slack", "")), item(10, alert(2, "r", "hook", "")),
			item(10, alert(3, "s", "slack", "")), item(10, alert(4, "s", "hook", "")),
			item(10, alert(5, "t", "slack", "#desk")),
		}, []string{"alert slack#news [1 3]", "alert hook [2 4]", "alert slack#desk [5]"}},
		{"an item's alerts go where its first was, whatever came between", []*model.Alert{
			item(10, alert(1, "r", "slack", "")), item(11, alert(2, "r", "slack", "")),
			alert(3, "r", "slack", ""), item(10, alert(4, "s", "slack", "")), alert(5, "s", "slack", ""),
		}, []string{"alert slack#news [1 4]", "alert slack#news [2]", "alert slack#news [3]", "alert slack#news [5]"}},
		{"reports under one message for several rules, one reply", []*model.Alert{
			item(20, also(alert(5, "r", "slack", ""), 1, model.StatusDelivered, "1800000000.000001")),
			item(20, also(alert(6, "s", "slack", ""), 2, model.StatusDelivered, "1800000000.000001")),
			item(20, also(alert(7, "t", "slack", ""), 3, model.StatusDelivered, "1800000000.000003")),
		}, []string{"also slack#news [5 6] thread", "also slack#news [7] thread"}},
		{"an edit of an item alerted for several rules, one update", []*model.Alert{
			item(10, update(alert(5, "r", "slack", ""), 1, "1800000000.000001")),
			item(10, update(alert(6, "s", "slack", ""), 2, "1800000000.000001")),
			item(10, update(alert(7, "r", "quiet", ""), 3, "1800000000.000003")),
			item(10, update(alert(8, "s", "quiet", ""), 4, "1800000000.000004")),
		}, []string{"update slack#news [5 6] thread", "update quiet#news [7 8]"}},
		{"what snoozes held, one summary per rule", []*model.Alert{
			held(item(10, alert(1, "r", "slack", ""))), held(item(10, alert(2, "s", "slack", ""))),
			held(item(11, alert(3, "r", "slack", ""))),
		}, []string{"summary slack#news [1 3]", "summary slack#news [2]"}},
		{"a threading notifier without the first alert's message", []*model.Alert{
			also(alert(5, "r", "slack", ""), 1, model.StatusDelivered, ""),
			also(alert(6, "r", "slack", ""), 2, model.StatusDelivered, ""),
		}, []string{"also slack#news [5 6]"}},
		{"reports for other destinations are not batched together", []*model.Alert{
			also(alert(5, "r", "slack", "#a"), 1, model.StatusDelivered, "1800000000.000001"),
			also(alert(6, "r", "slack", "#b"), 1, model.StatusDelivered, "1800000000.000001"),
		}, []string{"also slack#a [5] thread", "also slack#b [6] thread"}},
		{"an edit of an item that is gone is told alone", []*model.Alert{
			update(alert(5, "r", "slack", ""), 1, "1800000000.000001"),
			update(alert(6, "r", "slack", ""), 1, "1800000000.000001"),
			update(alert(7, "r", "quiet", ""), 2, "1800000000.000002"),
		}, []string{"update slack#news [5] thread", "update slack#news [6] thread", "update quiet#news [7]"}},
		{"a report of a dead letter dies too", []*model.Alert{
			also(alert(5, "r", "slack", "#desk"), 1, model.StatusDead, ""),
			also(alert(6, "r", "slack", "#desk"), 2, model.StatusDelivered, "1800000000.000002"),
		}, []string{"also slack#desk [6] thread", "dead 5 parent_dead #desk"}},
		{"a report whose first alert is gone goes alone", []*model.Alert{
			{ID: 5, Rule: "r", Notifier: "slack", Kind: model.KindAlso, ParentID: 1},
		}, []string{"also slack#news [5]"}},
		{"alerts and reports in the order read", []*model.Alert{
			alert(1, "r", "slack", ""),
			also(alert(2, "r", "slack", ""), 9, model.StatusDelivered, "1800000000.000009"),
			alert(3, "r", "slack", ""),
			also(alert(4, "r", "slack", ""), 9, model.StatusDelivered, "1800000000.000009"),
		}, []string{"alert slack#news [1]", "also slack#news [2 4] thread", "alert slack#news [3]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := describePlan(planJobs(tc.alerts, testPolicy()))
			if !slices.Equal(got, tc.want) {
				t.Errorf("plan:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// TestPlanJobsMessages: a threaded reply goes to the first alert's
// message, in the channel Slack gave it; elsewhere a follow-up names what
// it follows up.
func TestPlanJobsMessages(t *testing.T) {
	pl := planJobs([]*model.Alert{
		also(alert(5, "r", "slack", "#desk"), 1, model.StatusDelivered, "1800000000.000001"),
		also(alert(6, "r", "quiet", "#desk"), 2, model.StatusDelivered, "1800000000.000002"),
	}, testPolicy())
	thread, own := pl.jobs[0].message(), pl.jobs[1].message()
	if thread.ThreadTS != "1800000000.000001" || thread.Channel != "CNEWS" || thread.Entries[0].Parent != "story of 1" {
		t.Errorf("reply %+v", thread)
	}
	if own.ThreadTS != "" || own.Channel != "#desk" || own.Entries[0].Parent != "story of 2" {
		t.Errorf("follow-up message %+v", own)
	}
}

// TestPlanJobsBroadcast: a reply in a thread is also sent to the channel
// as followup.Broadcast says: the rule's reply_broadcast, else the
// notifier's, else for a high rule.
func TestPlanJobsBroadcast(t *testing.T) {
	yes, no := true, false
	high := func(a *model.Alert) *model.Alert { a.Severity = "high"; return a }
	tests := []struct {
		name      string
		notifier  *bool
		rules     map[string]bool
		alerts    []*model.Alert
		broadcast []bool // per job
	}{
		{"a high rule's reply, by default", nil, nil, []*model.Alert{
			also(high(alert(5, "r", "slack", "")), 1, model.StatusDelivered, "1.1"),
			also(alert(6, "other", "slack", ""), 2, model.StatusDelivered, "1.2"),
		}, []bool{true, false}},
		{"an edit of a high rule's alert too", nil, nil, []*model.Alert{
			update(high(alert(5, "r", "slack", "")), 1, "1.1"),
		}, []bool{true}},
		{"no thread, nothing to broadcast", nil, nil, []*model.Alert{
			also(high(alert(5, "r", "quiet", "")), 1, model.StatusDelivered, "1.1"),
			also(high(alert(6, "r", "slack", "")), 2, model.StatusDelivered, ""),
		}, []bool{false, false}},
		{"the notifier says no", &no, nil, []*model.Alert{
			also(high(alert(5, "r", "slack", "")), 1, model.StatusDelivered, "1.1"),
		}, []bool{false}},
		{"the rule says yes", &no, map[string]bool{"r": true}, []*model.Alert{
			also(alert(5, "r", "slack", ""), 1, model.StatusDelivered, "1.1"),
		}, []bool{true}},
		{"the rule says no", &yes, map[string]bool{"r": false}, []*model.Alert{
			also(high(alert(5, "r", "slack", "")), 1, model.StatusDelivered, "1.1"),
		}, []bool{false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := testPolicy()
			p.notifiers["slack"].ReplyBroadcast = tc.notifier
			p.broadcast = tc.rules
			pl := planJobs(tc.alerts, p)
			if len(pl.jobs) != len(tc.broadcast) {
				t.Fatalf("plan %q, want %d jobs", describePlan(pl), len(tc.broadcast))
			}
			for i, j := range pl.jobs {
				if m := j.message(); m.Broadcast != tc.broadcast[i] {
					t.Errorf("%s: broadcast %v, want %v", describe(j), m.Broadcast, tc.broadcast[i])
				}
			}
		})
	}
}

func TestPlanDigest(t *testing.T) {
	due := planT0.Add(time.Hour)
	pl := planDigest("daily", []*model.Alert{
		alert(1, "daily", "slack", "#a"), alert(2, "daily", "hook", ""), alert(3, "daily", "ghost", ""),
		alert(4, "daily", "slack", "#a"), alert(5, "daily", "slack", "#b"),
	}, due, testPolicy())
	want := []string{"digest slack#a [1 4]", "digest hook [2]", "digest slack#b [5]", "dead 3 unknown_notifier "}
	if got := describePlan(pl); !slices.Equal(got, want) {
		t.Errorf("plan %q, want %q", got, want)
	}
	for _, j := range pl.jobs {
		for _, s := range j.since {
			if !s.Equal(due) {
				t.Errorf("%s: max age counts from %s, want the due time %s", describe(j), s, due)
			}
		}
	}
}

func TestDigestDue(t *testing.T) {
	daily, err := cron.ParseStandard("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	tokyo, err := cron.ParseStandard("CRON_TZ=Asia/Tokyo 0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	now := planT0.Add(30 * time.Minute) // 08:30 UTC
	at := func(d time.Duration) *model.Alert { return &model.Alert{CreatedAt: planT0.Add(d)} }
	tests := []struct {
		name   string
		sched  cron.Schedule
		alerts []*model.Alert
		want   time.Time
	}{
		{"no schedule: at once", nil, []*model.Alert{at(0)}, now},
		{"the next time after the oldest", daily, []*model.Alert{at(20 * time.Minute), at(-25 * time.Hour), at(0)},
			time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)},
		{"later today", daily, []*model.Alert{at(0)}, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)},
		{"in the schedule's zone", tokyo, []*model.Alert{at(0)}, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := digestDue(tc.alerts, tc.sched, time.UTC, now); !got.Equal(tc.want) {
				t.Errorf("due %s, want %s", got, tc.want)
			}
		})
	}
}

// queue builds a destination's queue from words: "r1" is alert 1 of rule
// r alone, "~r1" the same made light, "also:r1" a follow-up job, "sum:r1"
// a summary.
func queue(words ...string) []*job {
	var q []*job
	for _, w := range words {
		kind, light := KindAlert, false
		if k, rest, ok := strings.Cut(w, ":"); ok {
			kind, w = Kind(map[string]string{"also": "also", "sum": "summary"}[k]), rest
		}
		if rest, ok := strings.CutPrefix(w, "~"); ok {
			light, w = true, rest
		}
		var id int64
		fmt.Sscan(w[1:], &id)
		a := alert(id, w[:1], "slack", "")
		q = append(q, &job{kind: kind, rule: a.Rule, dest: destKey{"slack", "#news"}, alerts: []*model.Alert{a},
			since: []time.Time{planT0.Add(time.Duration(id) * time.Minute)}, light: light})
	}
	return q
}

func TestFoldHead(t *testing.T) {
	tests := []struct {
		name      string
		queue     []*job
		threshold int
		want      []string
		folded    bool // the head is a new summary
		light     bool // which must be read again
	}{
		{"at the threshold nothing folds", queue("a1", "a2", "b3", "a4"), 3,
			[]string{"alert slack#news [1]", "alert slack#news [2]", "alert slack#news [3]", "alert slack#news [4]"}, false, false},
		{"over it the rule's alerts fold into the head's place", queue("a1", "b2", "a3", "also:a4", "a5", "b6", "a7"), 3,
			[]string{"summary slack#news [1 3 5 7]", "alert slack#news [2]", "also slack#news [4]", "alert slack#news [6]"}, true, false},
		{"light alerts make a light summary", queue("a1", "~a2", "~a3"), 2,
			[]string{"summary slack#news [1 2 3]"}, true, true},
		{"only a single alert at the head folds", queue("also:a1", "a2", "a3", "a4"), 1,
			[]string{"also slack#news [1]", "alert slack#news [2]", "alert slack#news [3]", "alert slack#news [4]"}, false, false},
		{"a summary at the head is not folded again", queue("sum:a1", "a2", "a3"), 1,
			[]string{"summary slack#news [1]", "alert slack#news [2]", "alert slack#news [3]"}, false, false},
		{"a negative threshold never folds", queue("a1", "a2", "a3"), -1,
			[]string{"alert slack#news [1]", "alert slack#news [2]", "alert slack#news [3]"}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, summary := foldHead(tc.queue, tc.threshold)
			var lines []string
			for _, j := range got {
				lines = append(lines, describe(j))
			}
			if !slices.Equal(lines, tc.want) {
				t.Fatalf("queue %q, want %q", lines, tc.want)
			}
			if (summary != nil) != tc.folded {
				t.Fatalf("summary %v, want one: %v", summary, tc.folded)
			}
			if summary == nil {
				return
			}
			if summary != got[0] || summary.light != tc.light || len(summary.since) != len(summary.alerts) {
				t.Errorf("summary %+v", summary)
			}
			for i, a := range summary.alerts {
				if !summary.since[i].Equal(planT0.Add(time.Duration(a.ID) * time.Minute)) {
					t.Errorf("alert %d: due time %s, want its own", a.ID, summary.since[i])
				}
			}
		})
	}
}

// pairs splits every message in parts of two entries.
type pairs struct{ plainNotifier }

func (pairs) Split(m *Message) []*Message {
	var parts [][]Entry
	for i := 0; i < len(m.Entries); i += 2 {
		parts = append(parts, m.Entries[i:min(i+2, len(m.Entries))])
	}
	return m.Split(parts)
}

func TestSplitJob(t *testing.T) {
	d := &digestState{}
	j := &job{kind: KindDigest, rule: "daily", dest: destKey{"slack", "#news"}, digest: d}
	for id := range int64(5) {
		a := alert(id+1, "daily", "slack", "")
		a.Published = planT0.Add(time.Duration(id) * time.Minute) // alert 5 is the newest
		j.alerts = append(j.alerts, a)
		j.since = append(j.since, planT0.Add(time.Duration(id)*time.Hour))
	}
	parts := splitJob(j, pairs{})
	var got []string
	ids := map[string]bool{}
	for i, p := range parts {
		got = append(got, fmt.Sprintf("%s %d/%d", describe(p), p.part, p.parts))
		if p.digest != d || p.id == "" || ids[p.id] {
			t.Errorf("part %d: digest %p, id %q", i+1, p.digest, p.id)
		}
		ids[p.id] = true
		for k, a := range p.alerts {
			if !p.since[k].Equal(planT0.Add(time.Duration(a.ID-1) * time.Hour)) {
				t.Errorf("alert %d lost its due time: %s", a.ID, p.since[k])
			}
		}
	}
	want := []string{"digest slack#news [5 4] 1/3", "digest slack#news [3 2] 2/3", "digest slack#news [1] 3/3"}
	if !slices.Equal(got, want) {
		t.Errorf("parts %q, want %q (most recent first)", got, want)
	}
	if parts := splitJob(&job{kind: KindDigest, alerts: j.alerts[:2], since: j.since[:2]}, pairs{}); parts != nil {
		t.Errorf("a digest that fits was split into %d", len(parts))
	}
}

// TestPlanJobsRulesOfAnItem: the message of an item that matched several
// rules names them all, the highest severity first, and takes that rule's
// severity, description and channel; its entries follow the rules.
func TestPlanJobsRulesOfAnItem(t *testing.T) {
	sev := func(a *model.Alert, severity, description string) *model.Alert {
		a.Severity, a.Description = severity, description
		return a
	}
	pl := planJobs([]*model.Alert{
		item(10, sev(alert(1, "normalization", "slack", ""), "notice", "talks")),
		item(10, sev(alert(2, "accords", "slack", "#news"), "high", "the Abraham Accords")),
		item(10, sev(alert(3, "syria", "slack", ""), "info", "")),
	}, testPolicy())
	if len(pl.jobs) != 1 {
		t.Fatalf("plan %q, want one job", describePlan(pl))
	}
	j := pl.jobs[0]
	if j.rule != "accords" {
		t.Errorf("job known by rule %q, want the high one", j.rule)
	}
	m := j.message()
	want := []RuleRef{{"accords", "the Abraham Accords", "high"}, {"normalization", "talks", "notice"}, {"syria", "", "info"}}
	if !slices.Equal(m.Rules, want) {
		t.Errorf("rules %+v, want %+v", m.Rules, want)
	}
	if m.Rule != "accords" || m.Severity != "high" || m.RuleDescription != "the Abraham Accords" || m.Channel != "#news" {
		t.Errorf("message rule %q severity %q description %q channel %q", m.Rule, m.Severity, m.RuleDescription, m.Channel)
	}
	var order []string
	for _, e := range m.Entries {
		order = append(order, fmt.Sprintf("%s:%d", e.Rule, e.AlertID))
	}
	if want := []string{"accords:2", "normalization:1", "syria:3"}; !slices.Equal(order, want) {
		t.Errorf("entries %q, want %q", order, want)
	}
	if m.ID == "alert-1" || m.ID != deliveryID(KindAlert, []int64{3, 1, 2}) {
		t.Errorf("delivery ID %q, want one of the three alerts", m.ID)
	}
}

// TestFoldHeadPerRule: a burst of items that matched two rules folds into
// one summary per rule, each taking its rule's alerts out of the items'
// jobs.
func TestFoldHeadPerRule(t *testing.T) {
	var q []*job
	for n := range int64(4) {
		j := queue(fmt.Sprintf("a%d", n+1))[0]
		b := alert(n+11, "b", "slack", "")
		j.add(b, planT0)
		q = append(q, j)
	}
	q = append(q, queue("c9")...)
	q, summary := foldHead(q, 3)
	if summary == nil || summary.rule != "a" {
		t.Fatalf("summary %+v, want one of rule a", summary)
	}
	var lines []string
	for _, j := range q {
		lines = append(lines, describe(j)+" "+j.rule)
	}
	want := []string{"summary slack#news [1 2 3 4] a", "alert slack#news [11] b", "alert slack#news [12] b",
		"alert slack#news [13] b", "alert slack#news [14] b", "alert slack#news [9] c"}
	if !slices.Equal(lines, want) {
		t.Fatalf("queue %q, want %q", lines, want)
	}
	q[0] = nil
	q, summary = foldHead(q[1:], 3)
	if summary == nil || describe(summary) != "summary slack#news [11 12 13 14]" || len(q) != 2 {
		t.Errorf("second fold: %v, queue of %d", summary, len(q))
	}
}

func TestCutAtItem(t *testing.T) {
	tests := []struct {
		name   string
		due    []*model.Alert
		want   []int64
		cursor int64
	}{
		{"the last item's alerts wait for the next read", []*model.Alert{
			item(10, alert(1, "r", "slack", "")), item(11, alert(4, "r", "slack", "")), item(11, alert(5, "s", "hook", "")),
		}, []int64{1}, 3},
		{"a last alert of no item", []*model.Alert{
			item(10, alert(1, "r", "slack", "")), alert(2, "r", "slack", ""),
		}, []int64{1, 2}, 99},
		{"a last follow-up", []*model.Alert{
			item(10, alert(1, "r", "slack", "")), item(10, also(alert(2, "r", "slack", ""), 1, model.StatusDelivered, "1.1")),
		}, []int64{1, 2}, 99},
		{"all one item's", []*model.Alert{
			item(10, alert(1, "r", "slack", "")), item(10, alert(2, "s", "slack", "")),
		}, []int64{1, 2}, 99},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			due, cursor := cutAtItem(tc.due, 99)
			var ids []int64
			for _, a := range due {
				ids = append(ids, a.ID)
			}
			if !slices.Equal(ids, tc.want) || cursor != tc.cursor {
				t.Errorf("cut %v, cursor %d; want %v, %d", ids, cursor, tc.want, tc.cursor)
			}
		})
	}
}
