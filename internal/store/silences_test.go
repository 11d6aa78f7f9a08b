package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

func TestSilenceLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newStoryFixture(t, s)
		alerts := enqueue(t, s,
			&model.Alert{Rule: "talks", Notifier: "slack", Channel: "#news", Title: "Talks in Baku",
				StoryID: f.story.ID, ItemID: f.items[0].ID, CreatedAt: testTime},
			&model.Alert{Rule: "talks", Notifier: "slack", Channel: "#news", Title: "More talks", CreatedAt: testTime},
			&model.Alert{Rule: "talks", Notifier: "slack", Channel: "#news", Title: "Even more", Digest: true, CreatedAt: testTime})
		if err := s.MarkDelivered(ctx, alerts[0].ID, testTime, "1800000000.000001", "CNEWS"); err != nil {
			t.Fatal(err)
		}

		mute := &Silence{Kind: SilenceMute, Notifier: "slack", Channel: "#news", ChannelID: "CNEWS",
			StoryID: f.story.ID, Rule: "talks", AlertID: alerts[0].ID, Title: "Talks in Baku",
			CreatedBy: "@alice", CreatorID: "UALICE", CreatedAt: testTime}
		snooze := &Silence{Kind: SilenceSnooze, Notifier: "slack", Channel: "#news", ChannelID: "CNEWS",
			Rule: "talks", AlertID: alerts[0].ID, CreatedBy: "@bob", CreatorID: "UBOB",
			CreatedAt: testTime.Add(time.Minute), Until: testTime.Add(time.Hour)}
		for _, sl := range []*Silence{mute, snooze} {
			if err := s.AddSilence(ctx, sl); err != nil {
				t.Fatal(err)
			}
			if sl.ID == 0 {
				t.Fatalf("%s: no ID", sl.Kind)
			}
		}
		got, err := s.Silence(ctx, mute.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *mute
		want.CreatedAt = want.CreatedAt.Truncate(time.Millisecond)
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("read back\n%+v\nwant\n%+v", got, &want)
		}

		active := func(at time.Time) []int64 {
			t.Helper()
			list, err := s.Silences(ctx, SilenceFilter{ActiveAt: at})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, sl := range list {
				ids = append(ids, sl.ID)
			}
			return ids
		}
		if got := active(testTime.Add(30 * time.Minute)); !reflect.DeepEqual(got, []int64{snooze.ID, mute.ID}) {
			t.Errorf("active at +30m: %v, want the snooze then the mute (newest first)", got)
		}
		if got := active(testTime.Add(time.Hour)); !reflect.DeepEqual(got, []int64{mute.ID}) {
			t.Errorf("active when the snooze ends: %v, want only the mute", got)
		}
		if list, _ := s.Silences(ctx, SilenceFilter{Kind: SilenceSnooze}); len(list) != 1 || list[0].ID != snooze.ID {
			t.Errorf("snoozes: %v", list)
		}

		// The snooze holds two alerts back; one of them was a digest alert.
		if err := s.HoldSilenced(ctx, alertIDs(alerts[1:]), snooze.ID, snooze.Until); err != nil {
			t.Fatal(err)
		}
		if due := dueIDs(t, s, testTime.Add(59*time.Minute)); len(due) != 0 {
			t.Errorf("due while snoozed: %v", due)
		}
		for _, a := range alerts[1:] {
			held := alertByID(t, s, a.ID)
			until := snooze.Until.Truncate(time.Millisecond)
			if held.SilenceID != snooze.ID || !held.QueuedAt.Equal(until) || !held.NextAttemptAt.Equal(until) ||
				held.Status != model.StatusQueued || held.Digest {
				t.Errorf("held alert: %+v", held)
			}
		}
		// The mute settles the first (delivered: left alone).
		if err := s.SettleSilenced(ctx, []int64{alerts[0].ID}, mute.ID, testTime); err != nil {
			t.Fatal(err)
		}
		if a := alertByID(t, s, alerts[0].ID); a.SilenceID != 0 || a.RemoteID == "" {
			t.Errorf("a delivered alert was changed by a mute: %+v", a)
		}

		// Undo releases what the snooze held, at once.
		now := testTime.Add(10 * time.Minute)
		removed, n, err := s.RemoveSilence(ctx, snooze.ID, "admin", now)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 || removed.RemovedBy != "admin" || !removed.RemovedAt.Equal(now.Truncate(time.Millisecond)) {
			t.Errorf("removed %+v, released %d; want 2 released", removed, n)
		}
		if due := dueIDs(t, s, now); !reflect.DeepEqual(due, alertIDs(alerts[1:])) {
			t.Errorf("due after undo: %v, want %v", due, alertIDs(alerts[1:]))
		}
		if a := alertByID(t, s, alerts[1].ID); a.SilenceID != snooze.ID {
			t.Errorf("a released alert forgot the snooze that held it (%d): the dispatcher sends it as a summary of what it held", a.SilenceID)
		}
		if _, _, err := s.RemoveSilence(ctx, snooze.ID, "admin", now); !errors.Is(err, ErrSilenceEnded) {
			t.Errorf("second removal: %v, want ErrSilenceEnded", err)
		}
		if _, _, err := s.RemoveSilence(ctx, 999, "admin", now); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown silence: %v, want ErrNotFound", err)
		}
		if _, err := s.Silence(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown silence: %v, want ErrNotFound", err)
		}
	})
}

func TestSettleSilencedLeavesNoMessage(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newStoryFixture(t, s)
		a := enqueue(t, s, &model.Alert{Rule: "talks", Notifier: "slack", StoryID: f.story.ID, CreatedAt: testTime})[0]
		mute := &Silence{Kind: SilenceMute, Notifier: "slack", StoryID: f.story.ID, CreatedAt: testTime}
		if err := s.AddSilence(ctx, mute); err != nil {
			t.Fatal(err)
		}
		if err := s.SettleSilenced(ctx, []int64{a.ID}, mute.ID, testTime.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got := alertByID(t, s, a.ID)
		if got.Status != model.StatusDelivered || got.SilenceID != mute.ID || got.RemoteID != "" ||
			!got.DeliveredAt.Equal(testTime.Add(time.Minute).Truncate(time.Millisecond)) {
			t.Errorf("settled alert: %+v", got)
		}
	})
}

func TestAddSilenceRefusesIncompleteOnes(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		for _, sl := range []*Silence{
			{Kind: SilenceMute, Notifier: "slack", CreatedAt: testTime},
			{Kind: SilenceSnooze, Notifier: "slack", Rule: "r", CreatedAt: testTime},
			{Kind: SilenceSnooze, Notifier: "slack", Until: testTime, CreatedAt: testTime},
			{Kind: "forever", Notifier: "slack", CreatedAt: testTime},
			{Kind: SilenceSnooze, Rule: "r", Until: testTime, CreatedAt: testTime},
		} {
			if err := s.AddSilence(context.Background(), sl); err == nil {
				t.Errorf("AddSilence(%+v) succeeded", sl)
			}
		}
	})
}

func TestStoryPruneKeepsItsMute(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newStoryFixture(t, s)
		mute := &Silence{Kind: SilenceMute, Notifier: "slack", StoryID: f.story.ID, CreatedAt: testTime}
		if err := f.s.AddSilence(ctx, mute); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Prune(ctx, testTime.Add(48*time.Hour), 0); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.Silence(ctx, mute.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.StoryID != 0 {
			t.Errorf("the mute of a pruned story still names it: %d", got.StoryID)
		}
	})
}

func TestFeedbackOncePerPersonAndAlert(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newStoryFixture(t, s)
		a := enqueue(t, s, &model.Alert{Rule: "talks", Notifier: "slack", StoryID: f.story.ID, ItemID: f.items[0].ID, CreatedAt: testTime})[0]
		fb := func(who string, at time.Time) *Feedback {
			return &Feedback{AlertID: a.ID, ItemID: f.items[0].ID, StoryID: f.story.ID, Rule: "talks",
				Notifier: "slack", ChannelID: "CNEWS", Title: "Talks in Baku", Link: "https://a.example/1",
				Feed: "a", Hits: []model.Hit{{Field: "title", Text: "Talks"}},
				CreatedBy: "@" + who, CreatorID: "U" + who, CreatedAt: at}
		}
		first := fb("alice", testTime)
		for i, tc := range []struct {
			f   *Feedback
			new bool
		}{
			{first, true},
			{fb("alice", testTime.Add(time.Minute)), false},
			{fb("bob", testTime.Add(2*time.Minute)), true},
		} {
			isNew, err := s.AddFeedback(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if isNew != tc.new || (tc.f.ID != 0) != tc.new {
				t.Errorf("feedback %d: new %v, ID %d; want new %v", i, isNew, tc.f.ID, tc.new)
			}
		}
		all, err := s.Feedback(ctx, FeedbackFilter{Rule: "talks"})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].CreatedBy != "@bob" {
			t.Fatalf("feedback: %+v", all)
		}
		want := *first
		want.CreatedAt = want.CreatedAt.Truncate(time.Millisecond)
		if !reflect.DeepEqual(all[1], &want) {
			t.Errorf("read back\n%+v\nwant\n%+v", all[1], &want)
		}
		if since, _ := s.Feedback(ctx, FeedbackFilter{Since: testTime.Add(time.Minute)}); len(since) != 1 {
			t.Errorf("feedback since +1m: %d, want 1", len(since))
		}
		if other, _ := s.Feedback(ctx, FeedbackFilter{Rule: "other"}); len(other) != 0 {
			t.Errorf("feedback of another rule: %d", len(other))
		}
	})
}

// TestAddSilenceInForce: asking again for a silence that holds records
// nothing (a click Slack delivers twice, to two replicas); a snooze that
// ends later extends the one in force. On PostgreSQL, replicas asking at
// the same moment record one.
func TestAddSilenceInForce(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, replica := db.open(t), db.open(t)
		f := newStoryFixture(t, s)
		mute := func() *Silence {
			return &Silence{Kind: SilenceMute, Notifier: "slack", Channel: "#news", StoryID: f.story.ID,
				CreatedBy: "@alice", CreatedAt: testTime}
		}
		first := mute()
		if err := s.AddSilence(ctx, first); err != nil {
			t.Fatal(err)
		}
		again := mute()
		again.CreatedBy = "@bob"
		if err := replica.AddSilence(ctx, again); !errors.Is(err, ErrSilenceInForce) {
			t.Fatalf("the same mute again: %v, want ErrSilenceInForce", err)
		}
		if again.ID != first.ID || again.CreatedBy != "@alice" {
			t.Errorf("the mute in force: %+v, want %+v", again, first)
		}
		elsewhere := mute()
		elsewhere.Channel = "#other"
		if err := replica.AddSilence(ctx, elsewhere); err != nil || elsewhere.ID == first.ID {
			t.Errorf("the story muted in another channel: %v, ID %d", err, elsewhere.ID)
		}

		snooze := func(by string, from time.Time, d time.Duration) *Silence {
			return &Silence{Kind: SilenceSnooze, Notifier: "slack", Channel: "#news", Rule: "talks",
				CreatedBy: by, CreatedAt: from, Until: from.Add(d)}
		}
		day := snooze("@bob", testTime, 24*time.Hour)
		if err := s.AddSilence(ctx, day); err != nil {
			t.Fatal(err)
		}
		redelivered := snooze("@bob", testTime.Add(5*time.Second), 24*time.Hour)
		if err := replica.AddSilence(ctx, redelivered); !errors.Is(err, ErrSilenceInForce) || redelivered.ID != day.ID {
			t.Errorf("the snooze again seconds later: %v, ID %d; want ErrSilenceInForce, %d", err, redelivered.ID, day.ID)
		}
		hour := snooze("@carol", testTime.Add(time.Minute), time.Hour)
		if err := replica.AddSilence(ctx, hour); !errors.Is(err, ErrSilenceInForce) || !hour.Until.Equal(day.Until.Truncate(time.Millisecond)) {
			t.Errorf("a shorter snooze: %v, until %v; want ErrSilenceInForce, %v", err, hour.Until, day.Until)
		}
		week := snooze("@carol", testTime.Add(time.Hour), 7*24*time.Hour)
		if err := replica.AddSilence(ctx, week); err != nil {
			t.Fatal(err)
		}
		if week.ID != day.ID || week.CreatedBy != "@bob" || !week.Until.Equal(testTime.Add(time.Hour+7*24*time.Hour)) {
			t.Errorf("a longer snooze: %+v, want bob's snooze, extended", week)
		}
		// Once it is over, a snooze is a new one.
		later := snooze("@dan", week.Until.Add(time.Minute), time.Hour)
		if err := s.AddSilence(ctx, later); err != nil || later.ID == day.ID {
			t.Errorf("a snooze after the last ended: %v, ID %d", err, later.ID)
		}
		list, err := s.Silences(ctx, SilenceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 4 {
			t.Errorf("%d silences recorded, want 4: %+v", len(list), list)
		}

		if db.engine != Postgres {
			return // one SQLite file has one writer at a time anyway
		}
		other := &Story{Title: "Another story", CreatedAt: testTime}
		tx := begin(t, s)
		if err := tx.NewStory(other); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		const clicks = 8
		errs := make(chan error, clicks)
		for i := range clicks {
			st := []*Store{s, replica}[i%2]
			go func() {
				errs <- st.AddSilence(ctx, &Silence{Kind: SilenceMute, Notifier: "slack", Channel: "#news",
					StoryID: other.ID, CreatedBy: "@eve", CreatedAt: testTime})
			}()
		}
		recorded := 0
		for range clicks {
			err := <-errs
			switch {
			case err == nil:
				recorded++
			case !errors.Is(err, ErrSilenceInForce):
				t.Error(err)
			}
		}
		if recorded != 1 {
			t.Errorf("%d replicas recorded the mute at once, want 1", recorded)
		}
	})
}
