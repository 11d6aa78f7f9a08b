package story

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/story/labelled"
)

var tune = flag.Bool("tune", false, "print the second stage's scores of labelled pairs")

// TestTune prints, with -tune, the second stage's score of every pair of
// items of the tuning half of different feeds and one language that share
// rare terms, marked same (one story) or diff, to choose the threshold.
func TestTune(t *testing.T) {
	if !*tune {
		t.Skip("run with -tune")
	}
	set := loadHalf(t, labelled.Tuning)
	x := NewIndex(Options{})
	for _, l := range set.items {
		x.Add(l.Item)
	}
	type line struct {
		score float64
		text  string
	}
	var lines []line
	for i := range set.items {
		for j := range set.items {
			a, b := &set.items[i], &set.items[j]
			if a.Item.ID >= b.Item.ID || a.Item.Feed == b.Item.Feed || a.Label == "" || b.Label == "" {
				continue
			}
			if set.about[a.Item.ID].lang != set.about[b.Item.ID].lang {
				continue
			}
			it := a.Item
			x.Remove(it.ID)
			s, k := x.explain(&it, b.Item.ID)
			x.Add(a.Item)
			if k == 0 && a.Label != b.Label {
				continue
			}
			kind := "diff"
			if a.Label == b.Label {
				kind = "SAME"
			}
			lines = append(lines, line{s, fmt.Sprintf("%6.3f %d %s %s | %s", s, k, kind, set.describe(&Assignment{Labelled: *a}), set.describe(&Assignment{Labelled: *b}))})
		}
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].score > lines[j].score })
	var b strings.Builder
	for i, l := range lines {
		if i < 80 || strings.Contains(l.text, "SAME") {
			b.WriteString(l.text + "\n")
		}
	}
	t.Log("\n" + b.String())
}

// TestSweep prints, with -tune, precision and recall on the tuning half
// over a grid of the second stage's constants.
func TestSweep(t *testing.T) {
	if !*tune {
		t.Skip("run with -tune")
	}
	set := loadHalf(t, labelled.Tuning)
	var b strings.Builder
	for _, gap := range []float64{0, 0.15, 0.3, 0.5} {
		for _, tw := range []float64{0, 0.25, 0.5, 1} {
			for _, ms := range []int{2, 3, 4} {
				for th := 0.2; th <= 0.9; th += 0.05 {
					sc := defaultScoring
					sc.gapPenalty, sc.titleWeight = gap, tw
					as := Cluster(set.items, Options{Threshold: th, MinShared: ms, tuning: &sc})
					all, same := Score(as, nil), Score(as, set.sameLanguage)
					fmt.Fprintf(&b, "gap %.2f title %.2f min %d th %.2f  P %.3f R %.3f  same R %.3f FP %d\n",
						gap, tw, ms, th, all.Precision(), all.Recall(), same.Recall(), all.FP)
				}
			}
		}
	}
	t.Log("\n" + b.String())
}
