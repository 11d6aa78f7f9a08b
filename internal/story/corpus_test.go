package story

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/story/labelled"
)

// loadHalf reads one half of the labelled corpus: the tuning half is the
// first labelled set with the new stories of testdata/tuning, the test
// half testdata/heldout. The test half's texts must never be printed.
func loadHalf(t testing.TB, half labelled.Half) *labelledSet {
	t.Helper()
	if half == labelled.Test {
		return loadSet(t, testDir)
	}
	return loadSet(t, firstSetDir, tuningDir)
}

// clusterHalf groups a half with the default options and scores it.
func clusterHalf(set *labelledSet) ([]Assignment, labelled.Report) {
	as := Cluster(set.items, Options{})
	return as, set.corpus.Score(set.stories(as))
}

// logStages logs, with -v, the figures of each stage of the grouping on
// its own (no texts).
func logStages(t *testing.T, name string, set *labelledSet) {
	t.Helper()
	if !testing.Verbose() {
		return
	}
	for _, st := range []struct {
		name   string
		stages Stages
	}{{"link and near-duplicate", NearDuplicates}, {"shared rare words", SharedTerms}} {
		r := set.corpus.Score(set.stories(Cluster(set.items, Options{Stages: st.stages})))
		t.Logf("%s half, %s stage alone: all %v; same-language %v; hard-negative pairs merged %d of %d",
			name, st.name, r.All, r.SameLanguage, len(r.Merged), r.HardNegatives)
	}
}

// floor is a regression guard: the least figures a grouping of a half may
// score.
type floor struct {
	precision, recall, sameLanguageRecall float64
	crossLanguageRecall                   float64 // checked when above 0
	merged                                int     // hard-negative pairs merged, at most
}

// check fails t when r is below f.
func (f floor) check(t *testing.T, r labelled.Report) {
	t.Helper()
	if p := r.All.Precision(); p < f.precision {
		t.Errorf("precision %.3f, below the floor %.3f", p, f.precision)
	}
	if rc := r.All.Recall(); rc < f.recall {
		t.Errorf("recall %.3f, below the floor %.3f", rc, f.recall)
	}
	if rc := r.SameLanguage.Recall(); rc < f.sameLanguageRecall {
		t.Errorf("same-language recall %.3f, below the floor %.3f", rc, f.sameLanguageRecall)
	}
	if rc := r.CrossLanguage.Recall(); f.crossLanguageRecall > 0 && rc < f.crossLanguageRecall {
		t.Errorf("cross-language recall %.3f, below the floor %.3f", rc, f.crossLanguageRecall)
	}
	if n := len(r.Merged); n > f.merged {
		t.Errorf("%d hard-negative pairs merged, more than the %d allowed", n, f.merged)
	}
}

// The regression guards of the two halves: the figures of the grouping
// on the corpus as it stands (docs/stories.md records them), less a margin of 0.02 (precision and
// recall) and one hard-negative pair. Whoever improves the grouping and
// records its new figures raises them. They are not targets: nothing is
// tuned on the test half.
var (
	heldOutFloor = floor{precision: 0.956, recall: 0.620, sameLanguageRecall: 0.818, merged: 3}
	tuningFloor  = floor{precision: 0.980, recall: 0.713, sameLanguageRecall: 0.767, merged: 1}
)

// TestHeldOut groups the test half with the default options and fails when
// it scores below heldOutFloor. It prints only figures: the test half's
// texts are not to be read while tuning.
func TestHeldOut(t *testing.T) {
	set := loadHalf(t, labelled.Test)
	_, r := clusterHalf(set)
	t.Logf("test half: %v", set.corpus.Stats())
	t.Logf("test half, grouped:\n%v", r)
	logStages(t, "test", set)
	heldOutFloor.check(t, r)
}

// TestTuningHalf groups the tuning half with the default options, prints
// its figures (and with -v every wrong pair) and fails when it scores
// below tuningFloor.
func TestTuningHalf(t *testing.T) {
	set := loadHalf(t, labelled.Tuning)
	as, r := clusterHalf(set)
	t.Logf("tuning half: %v", set.corpus.Stats())
	t.Logf("tuning half, grouped:\n%v", r)
	logStages(t, "tuning", set)
	if testing.Verbose() {
		t.Log("\n" + set.report(as))
	}
	tuningFloor.check(t, r)
}

// freshDir is the fresh set: a third labelled set, written after the
// rules of the grouping were fixed (its PROVENANCE.md), apart from both
// halves.
var freshDir = filepath.Join("testdata", "fresh")

// freshFloor is the fresh set's regression guard, as heldOutFloor is the
// test half's.
var freshFloor = floor{precision: 0.890, recall: 0.602, sameLanguageRecall: 0.880, merged: 3}

// TestFreshSet groups the fresh set with the default options, prints its
// figures (no texts) and fails when it scores below freshFloor, or when
// one of its stories is also a story of the corpus.
func TestFreshSet(t *testing.T) {
	set := loadSet(t, freshDir)
	_, r := clusterHalf(set)
	t.Logf("fresh set: %v", set.corpus.Stats())
	t.Logf("fresh set, grouped:\n%v", r)
	freshFloor.check(t, r)
	corpus, err := labelled.Load(firstSetDir, tuningDir, testDir)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]bool{}
	for _, it := range corpus.Items {
		labels[it.Label] = true
	}
	for _, it := range set.corpus.Items {
		if it.Label != "" && labels[it.Label] {
			t.Errorf("%s: story %s is also in the corpus", strings.ReplaceAll(it.Key, "\t", " "), it.Label)
		}
	}
}

// unseenDir is the unseen set: a fourth labelled set, larger than the
// fresh one, written by someone who does not tune the grouping and
// committed before it was ever grouped (its PROVENANCE.md), apart from
// both halves and the fresh set.
var unseenDir = filepath.Join("testdata", "unseen")

// unseenFloor is the unseen set's regression guard: its figures after the
// fourth round of rules (precision 0.925, recall 0.639, same-language
// recall 0.842, cross-language recall 0.567, 2 of 27 hard-negative pairs
// merged; 0.919, 0.625, 0.842, 0.549 and 3 of 27 when first measured),
// less 0.02 and one pair. Like
// the other floors they are docs, not targets: nothing is tuned on the
// unseen set, and whoever improves the grouping raises them.
var unseenFloor = floor{precision: 0.905, recall: 0.619, sameLanguageRecall: 0.822, crossLanguageRecall: 0.547, merged: 3}

// TestUnseenSet groups the unseen set with the default options, prints
// its figures (no texts) and fails when it scores below unseenFloor, when
// the set is malformed (checkSet), or when one of its stories is also a
// story of the corpus or of the fresh set.
func TestUnseenSet(t *testing.T) {
	checkLaterSet(t, "unseen", unseenDir, unseenFloor, firstSetDir, tuningDir, testDir, freshDir)
}

// blindDir is the blind set: a fifth labelled set, written like the
// unseen one by someone who read none of the grouping and none of the
// other sets, and committed before it was ever grouped (its
// PROVENANCE.md).
var blindDir = filepath.Join("testdata", "blind")

// blindFloor is the blind set's regression guard: its figures as first
// measured, in-process, at the commit that wired it in, before any rule
// written after it landed (precision 0.917, recall 0.561, same-language
// recall 0.726, cross-language recall 0.490, 5 of 32 hard-negative pairs
// merged), less 0.02 and one pair. Nothing is tuned on it.
var blindFloor = floor{precision: 0.897, recall: 0.541, sameLanguageRecall: 0.706, crossLanguageRecall: 0.470, merged: 6}

// TestBlindSet is TestUnseenSet for the blind set, whose stories must be
// in no other set.
func TestBlindSet(t *testing.T) {
	checkLaterSet(t, "blind", blindDir, blindFloor, firstSetDir, tuningDir, testDir, freshDir, unseenDir)
}

// checkLaterSet groups the labelled set in dir with the default options,
// logs its figures (no texts) and fails when it scores below f, when it
// is malformed (checkSet), or when one of its stories is also a story of
// one of the sets in others.
func checkLaterSet(t *testing.T, name, dir string, f floor, others ...string) {
	t.Helper()
	set := loadSet(t, dir)
	_, r := clusterHalf(set)
	t.Logf("%s set: %v", name, set.corpus.Stats())
	t.Logf("%s set, grouped:\n%v", name, r)
	f.check(t, r)
	own, err := labelled.Load(dir) // without the background
	if err != nil {
		t.Fatal(err)
	}
	checkSet(t, dir, own)
	rest, err := labelled.Load(others...)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]bool{}
	for _, it := range rest.Items {
		if it.Label != "" {
			labels[it.Label] = true
		}
	}
	for _, it := range own.Items {
		if it.Label != "" && labels[it.Label] {
			t.Errorf("%s: story %s is also in another labelled set", strings.ReplaceAll(it.Key, "\t", " "), it.Label)
		}
	}
}

// TestCorpus checks the corpus itself: every item of the new stories
// labelled, each story in the half the split rule (labelled.HalfOf) gives
// it and in no other, hard-negative pairs within one group and one day,
// and items that `backtest -json` can tell apart. It names items by file
// and GUID only, never by their text.
func TestCorpus(t *testing.T) {
	first, err := labelled.Load(firstSetDir)
	if err != nil {
		t.Fatal(err)
	}
	firstLabels := map[string]bool{}
	for _, it := range first.Items {
		firstLabels[it.Label] = true
	}
	halves := map[labelled.Half]*labelled.Set{}
	for half, dir := range map[labelled.Half]string{labelled.Tuning: tuningDir, labelled.Test: testDir} {
		set, err := labelled.Load(dir)
		if errors.Is(err, os.ErrNotExist) {
			t.Logf("%s: none yet", dir)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		halves[half] = set
		checkHalf(t, dir, half, set, firstLabels)
	}
	if tun, test := halves[labelled.Tuning], halves[labelled.Test]; tun != nil && test != nil {
		inTuning := map[string]bool{}
		for _, it := range tun.Items {
			inTuning[it.Label] = true
		}
		for _, it := range test.Items {
			if inTuning[it.Label] || firstLabels[it.Label] {
				t.Errorf("%s: story %s is in both halves", it.Key, it.Label)
			}
		}
	}
}

// checkHalf checks the new stories of one half, read from dir: those of
// checkSet, and each story in the half the split rule gives it.
func checkHalf(t *testing.T, dir string, half labelled.Half, set *labelled.Set, firstLabels map[string]bool) {
	t.Helper()
	for label, s := range checkSet(t, dir, set) {
		switch got := labelled.HalfOf(label); {
		case half == labelled.Test && got != labelled.Test:
			t.Errorf("%s: story %s belongs to the %s half", dir, label, got)
		case half == labelled.Tuning && got != labelled.Tuning && !firstLabels[label] && !s.beforeAll:
			t.Errorf("%s: story %s belongs to the %s half", dir, label, got)
		}
	}
}

// setStory is what checkSet learns of a story: the days its items were
// published on, and whether all of them were before labelled.OldSetEnd.
type setStory struct {
	days      map[string]bool
	beforeAll bool
}

// checkSet checks a labelled set written for the corpus, read from dir:
// every item labelled, items that `backtest -json` can tell apart, and
// hard-negative pairs within one group and reported on one day. It
// returns the set's stories by label.
func checkSet(t *testing.T, dir string, set *labelled.Set) map[string]*setStory {
	t.Helper()
	stories := map[string]*setStory{}
	seen := map[string]string{}
	for _, it := range set.Items {
		key := strings.ReplaceAll(it.Key, "\t", " ")
		if strings.HasPrefix(it.Label, "solo:") {
			t.Errorf("%s: %s is not labelled (every new item is)", dir, key)
			continue
		}
		// backtest -json tells items apart by feed, link and title.
		id := it.Outlet + "\x00" + it.Link + "\x00" + strings.TrimSpace(it.Title)
		if prev, dup := seen[id]; dup {
			t.Errorf("%s: %s and %s have one outlet, link and title", dir, prev, key)
		}
		seen[id] = key
		if it.Label == "" {
			continue
		}
		s := stories[it.Label]
		if s == nil {
			s = &setStory{days: map[string]bool{}, beforeAll: true}
			stories[it.Label] = s
		}
		s.days[it.Published.UTC().Format("2006-01-02")] = true
		s.beforeAll = s.beforeAll && it.Published.Before(labelled.OldSetEnd)
	}
	for _, p := range set.HardNegatives {
		if labelled.Group(p.A) != labelled.Group(p.B) {
			t.Errorf("%s: hard-negative pair %s, %s: two groups, so the split could part them", dir, p.A, p.B)
		}
		a, b := stories[p.A], stories[p.B]
		if a == nil || b == nil {
			t.Errorf("%s: hard-negative pair %s, %s: a story with no clear item", dir, p.A, p.B)
			continue
		}
		shared := false
		for d := range a.days {
			shared = shared || b.days[d]
		}
		if !shared {
			t.Errorf("%s: hard-negative pair %s, %s: not reported on one day", dir, p.A, p.B)
		}
	}
	return stories
}
