package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
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

// TestStorySnapshotFile: on SQLite the snapshot is a file beside the
// database, read only when it is the one the database describes: not a
// file of another snapshot (a save that did not commit, or a database
// restored from a backup under a newer file), nor a missing one. A
// snapshot an older version wrote in parts is still read, and the next
// save drops the parts. A save that fails leaves no file behind.
func TestStorySnapshotFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTestAt(t, filepath.Join(dir, "newswatch.db"))
	path := filepath.Join(dir, "newswatch.db-stories")
	save := func(h StorySnapshot, data []byte) {
		t.Helper()
		err := s.SaveStorySnapshot(ctx, h, func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	first := StorySnapshot{MaxItem: 10, LastMove: 1, FeaturesVersion: 7, Edits: 2, Items: 9, WrittenAt: testTime}
	save(first, []byte("first snapshot"))
	older, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no snapshot file: %v", err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("snapshot file mode: %v, %v; want 0640", info.Mode().Perm(), err)
	}
	// A temporary file of a save that never finished goes at the next
	// save; one of a save that may still be writing stays.
	stale, fresh := path+".123.tmp", path+".456.tmp"
	for _, name := range []string{stale, fresh} {
		if err := os.WriteFile(name, []byte("half a snapshot"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(stale, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	second := first
	second.MaxItem, second.WrittenAt = 20, testTime.Add(time.Minute)
	save(second, []byte("second snapshot"))
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the stale temporary file is still there: %v", err)
	}
	if err := os.Remove(fresh); err != nil {
		t.Errorf("a recent temporary file was removed: %v", err)
	}
	if h, data, err := readSnapshot(t, s); err != nil || h.MaxItem != 20 || string(data) != "second snapshot" {
		t.Fatalf("read back: %+v %q %v", h, data, err)
	}

	for _, c := range []struct {
		name   string
		change func(t *testing.T)
	}{
		{"a file of another snapshot", func(t *testing.T) {
			if err := os.WriteFile(path, older, 0o640); err != nil {
				t.Fatal(err)
			}
		}},
		{"a file cut short", func(t *testing.T) {
			if err := os.WriteFile(path, older[:snapshotFileHeader-1], 0o640); err != nil {
				t.Fatal(err)
			}
		}},
		{"no file", func(t *testing.T) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			save(second, []byte("second snapshot"))
			c.change(t)
			h, data, err := readSnapshot(t, s)
			if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "newswatch.db-stories") {
				t.Errorf("read: %+v %q, %v; want an error that names the file", h, data, err)
			}
		})
	}

	// A snapshot in parts, as an older version wrote it.
	if _, err := s.write.ExecContext(ctx, `INSERT INTO story_snapshot_parts (part, data) VALUES (0, ?), (1, ?)`,
		[]byte("in "), []byte("parts")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.ExecContext(ctx, `UPDATE story_snapshot SET max_item = 30, bytes = 8 WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if h, data, err := readSnapshot(t, s); err != nil || h.MaxItem != 30 || string(data) != "in parts" {
		t.Fatalf("read back the parts: %+v %q %v", h, data, err)
	}
	save(first, []byte("first snapshot"))
	var parts int
	if err := s.write.QueryRowContext(ctx, `SELECT count(*) FROM story_snapshot_parts`).Scan(&parts); err != nil || parts != 0 {
		t.Errorf("parts after a save: %d, %v; want none", parts, err)
	}

	// A save that fails leaves the snapshot, and no file of its own.
	failed := errors.New("full")
	err = s.SaveStorySnapshot(ctx, second, func(w io.Writer) error {
		w.Write([]byte("half"))
		return failed
	})
	if !errors.Is(err, failed) {
		t.Errorf("failing writer: %v, want its error", err)
	}
	if h, data, err := readSnapshot(t, s); err != nil || h.MaxItem != 10 || string(data) != "first snapshot" {
		t.Errorf("after a failed save: %+v %q %v", h, data, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestMigration0014 upgrades a database written by the 0013 schema, with
// items that have a story and one that has none: the count that checks a
// story index's snapshot against the window stays right, and reads the
// items without a story through their index instead of the window's rows,
// whether or not the database has statistics yet (a new database has
// none until its first close).
func TestMigration0014(t *testing.T) {
	ctx := context.Background()
	path, db := databaseAtMigration(t, 13)
	for _, q := range []string{
		`INSERT INTO feeds (id, name, url) VALUES (1, 'wire', 'https://wire.example/rss')`,
		`INSERT INTO stories (id, title, items, created_at, updated_at) VALUES (1, 'Talks', 2, 0, 0)`,
		`INSERT INTO items (id, feed_id, identity, seen_at, story_id) VALUES
			(1, 1, 'guid:a', 1000, 1), (2, 1, 'guid:b', 2000, NULL), (3, 1, 'guid:c', 3000, 1)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s := upgrade(t, path, db)
	for _, c := range []struct {
		since       int64
		first, last int64
		want        int
	}{
		{0, 0, 3, 2},
		{1500, 0, 3, 1},
		{0, 2, 2, 0},
		{0, 2, 3, 1},
	} {
		n, err := s.StoryWindowCount(ctx, time.UnixMilli(c.since), c.first, c.last)
		if err != nil || n != c.want {
			t.Errorf("StoryWindowCount(%d, %d, %d) = %d, %v; want %d", c.since, c.first, c.last, n, err, c.want)
		}
	}
	var stats int
	if err := s.read.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'`).Scan(&stats); err != nil || stats != 0 {
		t.Fatalf("sqlite_stat1: %d, %v; want a database without statistics", stats, err)
	}
	plan := queryPlan(t, s, storyWindowCountSQL, 0, 0, 3, 0, 0, 3)
	if !strings.Contains(plan, "USING INDEX items_without_story") || strings.Contains(plan, "PRIMARY KEY") {
		t.Errorf("plan without statistics:\n%s\nwant items_without_story, and not the items' rows by ID", plan)
	}
}
