package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// A commit leaves the WAL to the background checkpointer, which copies it
// into the database file soon after: the file grows by what was written
// without any further write.
func TestBackgroundCheckpoint(t *testing.T) {
	dir := t.TempDir()
	s := openTestAt(t, filepath.Join(dir, "newswatch.db"))
	syncFeeds(t, s, "a")
	f := feedNamed(t, s, "a")
	before := fileSize(t, filepath.Join(dir, "newswatch.db"))

	// About 2 MB: below SQLite's default automatic checkpoint (1,000
	// pages) and far below walBackstop, so no commit checkpoints it.
	const items, size = 200, 10_000
	tx := begin(t, s)
	for i := range items {
		it := &model.Item{FeedID: f.ID, Identity: fmt.Sprintf("item-%d", i), Content: strings.Repeat(fmt.Sprintf("%d ", i), size/4), SeenAt: testTime}
		if err := tx.AddItem(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for fileSize(t, filepath.Join(dir, "newswatch.db")) < before+items*size*9/10 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes 20 s after a commit of %d KB: not checkpointed", fileSize(t, filepath.Join(dir, "newswatch.db")), items*size/1000)
		}
		<-tick.C
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
