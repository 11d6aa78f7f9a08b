package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// readSnapshot returns the story snapshot's description and bytes.
func readSnapshot(t *testing.T, s *Store) (StorySnapshot, []byte, error) {
	t.Helper()
	var (
		h    StorySnapshot
		data []byte
	)
	err := s.ReadStorySnapshot(context.Background(), func(got StorySnapshot, r io.Reader) error {
		h = got
		var err error
		data, err = io.ReadAll(r)
		return err
	})
	return h, data, err
}

// TestStorySnapshot: no snapshot at first; one saved is read back whole
// (in parts when larger than one), replaced by the next, and not left
// half-written by a writer that fails; edits of items' texts are counted.
func TestStorySnapshot(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, _, err := readSnapshot(t, s); !errors.Is(err, ErrNotFound) {
			t.Fatalf("no snapshot yet: %v, want ErrNotFound", err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		for _, size := range []int{10, 3*snapshotPart + 17, snapshotPart, 0} {
			data := make([]byte, size)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			h := StorySnapshot{MaxItem: int64(size) + 1, LastMove: 3, FeaturesVersion: 1 << 40, Edits: 5,
				Items: 9, WrittenAt: testTime}
			err := s.SaveStorySnapshot(ctx, h, func(w io.Writer) error {
				// In uneven writes, as a bufio.Writer gives them.
				for p := data; len(p) > 0; {
					n := min(len(p), 1+rng.IntN(100_000))
					if _, err := w.Write(p[:n]); err != nil {
						return err
					}
					p = p[n:]
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			got, back, err := readSnapshot(t, s)
			if err != nil {
				t.Fatal(err)
			}
			h.Bytes, h.WrittenAt = int64(size), testTime.Truncate(time.Millisecond)
			if got != h {
				t.Errorf("%d bytes: description %+v, want %+v", size, got, h)
			}
			if !bytes.Equal(back, data) {
				t.Errorf("%d bytes: read back %d bytes, not those written", size, len(back))
			}
		}

		// A writer that fails leaves the snapshot as it was.
		before, data, _ := readSnapshot(t, s)
		failed := errors.New("full")
		err := s.SaveStorySnapshot(ctx, StorySnapshot{MaxItem: 99, WrittenAt: testTime}, func(w io.Writer) error {
			w.Write(make([]byte, 2*snapshotPart))
			return failed
		})
		if !errors.Is(err, failed) {
			t.Errorf("failing writer: %v, want its error", err)
		}
		if after, back, _ := readSnapshot(t, s); after != before || !bytes.Equal(back, data) {
			t.Errorf("after a failed save: %+v (%d bytes), want %+v (%d bytes)", after, len(back), before, len(data))
		}

		// Edits of items' texts are counted; features saved again are not.
		syncFeeds(t, s, "a")
		f := feedNamed(t, s, "a")
		tx := begin(t, s)
		var ids []int64
		for i := range 3 {
			st := &Story{Title: "story", CreatedAt: testTime}
			if err := tx.NewStory(st); err != nil {
				t.Fatal(err)
			}
			it := &model.Item{FeedID: f.ID, Identity: fmt.Sprint("guid:", i), StoryID: st.ID, Title: "t",
				TextHash: "h", SeenAt: testTime.Add(time.Duration(i) * time.Minute)}
			if i == 2 {
				it.StoryID = 0
			}
			if err := tx.AddItem(it); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, it.ID)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		edits := func() int64 {
			n, err := s.StoryEdits(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := edits(); n != 0 {
			t.Errorf("edits before any: %d", n)
		}
		tx = begin(t, s)
		for range 2 {
			if err := tx.UpdateItem(ids[0], ItemEdit{Title: "edited", TextHash: "h2", At: testTime}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveFeatures(ctx, []ItemFeatures{{ID: ids[1], TextHash: "h", Features: []byte("f"), Version: 1}}); err != nil {
			t.Fatal(err)
		}
		if n := edits(); n != 2 {
			t.Errorf("edits after two: %d", n)
		}

		// The window's items with a story, by ID and time.
		for _, c := range []struct {
			since       time.Time
			first, last int64
			want        int
		}{
			{testTime, ids[0], ids[2], 2},
			{testTime, ids[1], ids[2], 1},
			{testTime.Add(time.Minute), 0, ids[2], 1},
			{testTime, 0, ids[0], 1},
			{testTime.Add(time.Hour), 0, ids[2], 0},
		} {
			n, err := s.StoryWindowCount(ctx, c.since, c.first, c.last)
			if err != nil || n != c.want {
				t.Errorf("StoryWindowCount(%v, %d, %d) = %d, %v; want %d", c.since, c.first, c.last, n, err, c.want)
			}
		}
	})
}
