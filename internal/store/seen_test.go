package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/model"
)

// addSeen records n items of feed f, with identities prefix0…prefix(n-1), in
// one transaction.
func addSeen(t testing.TB, s *Store, f *FeedState, prefix string, n int) []string {
	t.Helper()
	tx := begin(t, s)
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%s%d", prefix, i)
		if err := tx.AddItem(&model.Item{FeedID: f.ID, Identity: ids[i], TextHash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// queryPlan returns SQLite's plan of query, one detail per line.
func queryPlan(t testing.TB, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.read.Query(`EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestSeenPlans checks that SeenItems looks each identity of the document up in the feed's seen rows, instead of scanning
// the feed's whole history and the document's list for each of its rows:
// the cost of a poll must not grow with the feed's age.
func TestSeenPlans(t *testing.T) {
	s := openTest(t)
	syncFeeds(t, s, "a")
	f := feedNamed(t, s, "a")
	addSeen(t, s, f, "old-", 300)
	if _, err := s.write.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	for name, query := range map[string]string{"SeenItems": seenItemsSQL} {
		plan := queryPlan(t, s, query, f.ID, `["old-1","new-1"]`)
		lines := strings.Split(plan, "\n")
		if len(lines) < 2 || !strings.HasPrefix(lines[0], "SCAN j") ||
			!strings.Contains(plan, "SEARCH s USING PRIMARY KEY (feed_id=? AND identity=?)") {
			t.Errorf("%s plan:\n%s\nwant json_each outside and a primary key search of seen inside", name, plan)
		}
	}
}

// BenchmarkSeenItems measures the read by which a poll learns which of a
// document's 65 items it has seen (60 of them), for feeds with a short and a
// long history: the cost should not depend on it.
func BenchmarkSeenItems(b *testing.B) {
	for _, history := range []int{200, 5000} {
		b.Run(fmt.Sprintf("history=%d", history), func(b *testing.B) {
			ctx := context.Background()
			s := openTest(b)
			syncFeeds(b, s, "a", "b")
			f := feedNamed(b, s, "a")
			addSeen(b, s, feedNamed(b, s, "b"), "other-", 2000)
			old := addSeen(b, s, f, "https://a.example/story-", history)
			doc := append([]string{}, old[len(old)-60:]...)
			for i := range 5 {
				doc = append(doc, fmt.Sprintf("https://a.example/new-%d", i))
			}
			b.ReportAllocs()
			for b.Loop() {
				got, err := s.SeenItems(ctx, f.ID, doc)
				if err != nil || len(got) != 60 {
					b.Fatal(len(got), err)
				}
			}
		})
	}
}
