package story

import (
	"crypto/sha256"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// clusterGoldenFile records what Cluster decides for every item of the
// labelled set, scores to the bit, under several options.
var clusterGoldenFile = filepath.Join("testdata", "cluster.golden")

// TestClusterGolden checks that the index's decisions over the labelled
// set are the ones recorded in testdata/cluster.golden (-update-golden
// rewrites it): changes meant to make the index cheaper must not change
// them.
func TestClusterGolden(t *testing.T) {
	set := loadLabelled(t)
	var lines []string
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"default", Options{}},
		{"near-duplicates", Options{Stages: NearDuplicates}},
		{"shared-terms", Options{Stages: SharedTerms}},
		{"small", Options{MaxItems: 60, Window: 6 * time.Hour, Threshold: 0.2, MinShared: 2}},
	} {
		h := sha256.New()
		for _, a := range Cluster(set.items, tc.o) {
			m := a.Match
			fmt.Fprintf(h, "%d %d %s %d %d %d %x\n", a.Item.ID, a.Story, m.Stage, m.Item, m.Feed, m.Distance, math.Float64bits(m.Score))
		}
		lines = append(lines, fmt.Sprintf("%s %x", tc.name, h.Sum(nil)))
	}
	got := strings.Join(lines, "\n") + "\n"
	if *updateGolden {
		if err := os.WriteFile(clusterGoldenFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(clusterGoldenFile)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("Cluster's decisions changed:\ngot\n%swant\n%s", got, want)
	}
}
