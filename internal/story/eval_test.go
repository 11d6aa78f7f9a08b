package story

import (
	"testing"
)

// Floors the labelled set must meet (docs/stories.md gives the figures).
const (
	minPrecision = 0.95
	minRecall    = 0.6
)

func TestLabelledSet(t *testing.T) {
	set := loadLabelled(t)
	stories := map[string]map[string]bool{}
	for _, l := range set.items {
		if l.Label == "" {
			continue
		}
		if stories[l.Label] == nil {
			stories[l.Label] = map[string]bool{}
		}
		stories[l.Label][set.about[l.Item.ID].outlet] = true
	}
	multi, outlets := 0, map[string]bool{}
	for _, o := range stories {
		if len(o) > 1 {
			multi++
			for name := range o {
				outlets[name] = true
			}
		}
	}
	t.Logf("labelled set: %d items, %d stories reported by more than one outlet, from %d outlets", len(set.items), multi, len(outlets))

	for _, tc := range []struct {
		name   string
		stages Stages
	}{
		{"near-duplicates", NearDuplicates},
		{"shared terms", SharedTerms},
		{"both", AllStages},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as := Cluster(set.items, Options{Stages: tc.stages})
			all := Score(as, nil)
			same := Score(as, set.sameLanguage)
			t.Logf("all pairs: precision %.3f recall %.3f (TP %d FP %d FN %d)", all.Precision(), all.Recall(), all.TP, all.FP, all.FN)
			t.Logf("same-language pairs: precision %.3f recall %.3f (TP %d FP %d FN %d)", same.Precision(), same.Recall(), same.TP, same.FP, same.FN)
			for _, part := range []struct {
				name    string
				written bool
			}{{"real", false}, {"written", true}} {
				p := Score(as, func(a, b *Assignment) bool {
					return set.sameLanguage(a, b) && set.written(a) == part.written && set.written(b) == part.written
				})
				t.Logf("  %s items, same-language pairs: precision %.3f recall %.3f (TP %d FP %d FN %d)", part.name, p.Precision(), p.Recall(), p.TP, p.FP, p.FN)
			}
			if testing.Verbose() {
				t.Log("\n" + set.report(as))
			}
			if all.Precision() < minPrecision {
				t.Errorf("precision %.3f, want at least %.2f", all.Precision(), minPrecision)
			}
			if tc.stages == AllStages && same.Recall() < minRecall {
				t.Errorf("same-language recall %.3f, want at least %.2f", same.Recall(), minRecall)
			}
		})
	}
}
