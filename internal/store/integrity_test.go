package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/newswatch/newswatch/internal/model"
)

// TestQuickCheck checks a healthy database, then one whose feeds table's
// root page is overwritten: the check says it is corrupt, Ping says so
// from then on, and OnCorrupt hears of it once however often it is met.
func TestQuickCheck(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newswatch.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SyncFeeds(ctx, []model.Feed{{Name: "Wire", URL: "https://wire.example/rss", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if err := s.QuickCheck(ctx); err != nil {
		t.Fatalf("QuickCheck of a healthy database: %v", err)
	}
	if err := s.Corrupt(); err != nil {
		t.Fatalf("Corrupt() = %v on a healthy database", err)
	}
	var root, pageSize int64
	if err := s.read.QueryRowContext(ctx, `SELECT rootpage FROM sqlite_master WHERE name = 'feeds'`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := s.read.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	damagePage(t, path, root, pageSize)

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of a database with a damaged table: %v", err)
	}
	defer s.Close()
	var told []error
	s.OnCorrupt(func(err error) { told = append(told, err) })
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping before anything met the damage: %v", err)
	}
	err = s.QuickCheck(ctx)
	if !errors.Is(err, ErrCorrupt) || !IsCorrupt(err) {
		t.Fatalf("QuickCheck of a damaged database: %v, want ErrCorrupt", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Ping after the check: %v, want ErrCorrupt", err)
	}
	_, err = s.Feeds(ctx)
	if !IsCorrupt(err) || !s.NoteCorrupt(err) {
		t.Errorf("Feeds on the damaged table: %v; want an error IsCorrupt and NoteCorrupt know", err)
	}
	if s.NoteCorrupt(errors.New("store: ping: connection refused")) || s.NoteCorrupt(nil) {
		t.Error("NoteCorrupt took an error that is not corruption for one")
	}
	if len(told) != 1 || !errors.Is(told[0], ErrCorrupt) {
		t.Errorf("OnCorrupt was called %d times (%v), want once with the check's error", len(told), told)
	}
	late := 0
	s.OnCorrupt(func(error) { late++ })
	if late != 1 {
		t.Errorf("OnCorrupt set after the damage was known was called %d times, want 1", late)
	}
}

// damagePage overwrites page number page of the SQLite file at path with
// bytes that are no b-tree page.
func damagePage(t *testing.T, path string, page, pageSize int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, pageSize)
	for i := range junk {
		junk[i] = byte(i*131 + 7)
	}
	if _, err := f.WriteAt(junk, (page-1)*pageSize); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
