package followup

import (
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		name string
		r    Report
		want Action
	}{
		{"another outlet", Report{}, FollowUp},
		{"another outlet, threads", Report{Mode: Thread}, FollowUp},
		{"another outlet, follow-up messages", Report{Mode: Digest}, FollowUp},
		{"the same article from the same feed", Report{Mode: Thread, SameArticle: true}, Skip},
		{"the same article, digest rule", Report{SameArticle: true, DigestRule: true}, Skip},
		{"digest rule", Report{Mode: Thread, DigestRule: true}, DigestLine},
		{"digest rule at a notifier that drops follow-ups", Report{Mode: Drop, DigestRule: true}, DigestLine},
		{"dropped", Report{Mode: Drop}, Skip},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Decide(tc.r); got != tc.want {
				t.Errorf("Decide(%+v) = %v, want %v", tc.r, got, tc.want)
			}
		})
	}
}

func TestUpdates(t *testing.T) {
	tests := []struct {
		e    Edit
		want bool
	}{
		{Edit{OnUpdate: OnUpdateThread}, true},
		{Edit{OnUpdate: OnUpdateThread, Mode: Thread}, true},
		{Edit{OnUpdate: OnUpdateThread, Mode: Digest}, true},
		{Edit{OnUpdate: "ignore"}, false},
		{Edit{}, false},
		{Edit{OnUpdate: OnUpdateThread, DigestRule: true}, false},
		{Edit{OnUpdate: OnUpdateThread, Mode: Drop}, false},
	}
	for _, tc := range tests {
		if got := Updates(tc.e); got != tc.want {
			t.Errorf("Updates(%+v) = %v, want %v", tc.e, got, tc.want)
		}
	}
}

func TestDue(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	const delay = 10 * time.Minute
	tests := []struct {
		name  string
		delay time.Duration
		h     History
		want  time.Time
	}{
		{"at once", 0, History{Sent: 3}, now},
		{"first batch", delay, History{}, now.Add(delay)},
		{"joins the batch still waiting", delay, History{NextDue: now.Add(4 * time.Minute)}, now.Add(4 * time.Minute)},
		{"after a batch being sent", delay, History{NextDue: now}, now.Add(2 * delay)},
		{"after two sent", delay, History{Sent: 2}, now.Add(4 * delay)},
		{"after two sent and one being sent", delay, History{Sent: 2, NextDue: now.Add(-time.Second)}, now.Add(8 * delay)},
		{"capped", delay, History{Sent: 20}, now.Add(MaxDelay)},
		{"a delay over the cap", 8 * time.Hour, History{}, now.Add(MaxDelay)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Due(tc.delay, tc.h, now); !got.Equal(tc.want) {
				t.Errorf("Due = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestThreadedAndBatches(t *testing.T) {
	tests := []struct {
		name     string
		mode     Mode
		parentTS string
		update   bool
		threaded bool
		key      string
	}{
		{"reply in the thread", Thread, "1800000000.000001", false, true, "thread\x00CNEWS 1800000000.000001"},
		{"thread mode, parent message unknown", Thread, "", false, false, "reports"},
		{"follow-up messages", Digest, "1800000000.000001", false, false, "reports"},
		{"default mode", "", "1800000000.000001", false, false, "reports"},
		{"update in the thread, once per item", Thread, "1800000000.000001", true, true, "update\x0042\x00CNEWS 1800000000.000001"},
		{"update outside one, once per item", Digest, "", true, false, "update\x0042"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			threaded := Threaded(tc.mode, tc.parentTS)
			if threaded != tc.threaded {
				t.Errorf("Threaded = %v, want %v", threaded, tc.threaded)
			}
			parent := ""
			if tc.parentTS != "" {
				parent = "CNEWS " + tc.parentTS
			}
			if key := BatchKey(tc.update, threaded, parent, 42); key != tc.key {
				t.Errorf("BatchKey = %q, want %q", key, tc.key)
			}
		})
	}
}

func TestBroadcast(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name           string
		rule, notifier *bool
		high           bool
		want           bool
	}{
		{"a high rule, by default", nil, nil, true, true},
		{"another rule, by default", nil, nil, false, false},
		{"the notifier says no", nil, &no, true, false},
		{"the notifier says yes", nil, &yes, false, true},
		{"the rule says yes", &yes, &no, false, true},
		{"the rule says no", &no, &yes, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Broadcast(tc.rule, tc.notifier, tc.high); got != tc.want {
				t.Errorf("Broadcast = %v, want %v", got, tc.want)
			}
		})
	}
}
