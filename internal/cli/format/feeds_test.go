package format

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/feedhealth"
	"github.com/newswatch/newswatch/internal/model"
)

// TestFeedsReplicas: with replicas, 'feeds list' says which replica polled
// each feed last, or polls it now; without them, the table is as it was.
func TestFeedsReplicas(t *testing.T) {
	now := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	feed := func(name, polled, claimed string) feedhealth.Status {
		return feedhealth.Status{Feed: model.Feed{Name: name, Enabled: true}, State: feedhealth.StateOK,
			LastSuccessAt: now.Add(-time.Minute), PolledBy: polled, ClaimedBy: claimed}
	}
	for _, tc := range []struct {
		name     string
		statuses []feedhealth.Status
		want     []string // each line's POLLED BY cell; nil: no such column
	}{
		{"one process", []feedhealth.Status{feed("a", "", ""), feed("b", "", "")}, nil},
		{"replicas", []feedhealth.Status{feed("a", "db1-41-aa", ""), feed("b", "db1-41-aa", "db2-7-bb"),
			feed("c", "", "db2-7-bb"), feed("d", "", "")},
			[]string{"db1-41-aa", "db1-41-aa (now db2-7-bb)", "db2-7-bb (now)", "-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := FeedsTable(&b, tc.statuses, now); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			col := strings.Index(lines[0], "POLLED BY")
			if (col >= 0) != (tc.want != nil) {
				t.Fatalf("column POLLED BY shown: %v, want %v\n%s", col >= 0, tc.want != nil, b.String())
			}
			for i, want := range tc.want {
				if cell := lines[i+1][col:]; !strings.HasPrefix(cell, want+" ") {
					t.Errorf("feed %s: POLLED BY %q, want %q", tc.statuses[i].Feed.Name, cell, want)
				}
			}
			b.Reset()
			if err := FeedsJSON(&b, tc.statuses); err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(&b)
			for _, s := range tc.statuses {
				var rec map[string]any
				if err := dec.Decode(&rec); err != nil {
					t.Fatal(err)
				}
				for key, want := range map[string]string{"polled_by": s.PolledBy, "claimed_by": s.ClaimedBy} {
					if got, ok := rec[key]; (want == "" && ok) || (want != "" && got != want) {
						t.Errorf("feed %s: %s = %v, want %q", s.Feed.Name, key, got, want)
					}
				}
			}
		})
	}
}
