package store

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// On SQLite the story index's snapshot is kept in a file beside the
// database (snapshotFile), not in story_snapshot_parts: SQLite hands a
// blob over page by page, each page a read of its own and each part a
// buffer of its own, which cost a start from the snapshot more than
// decoding it (about 60 ms at 19,000 items, against a few for the same
// bytes read from a file); and writing the parts went through the WAL
// twice, once at the commit and once at the checkpoint.
//
// The row of story_snapshot still describes the snapshot, and the file
// begins with the same description (snapshotFileMagic, then MaxItem,
// LastMove, FeaturesVersion, Edits, Items, Bytes and WrittenAt in
// milliseconds, 8 bytes little-endian each): the file is read only when
// it is the one the row describes. A file written by a save that did not
// commit, or left beside a database restored from a backup, is not read,
// and the index is built from the items.

// snapshotFileMagic begins a snapshot file.
const snapshotFileMagic = "NWSF"

// snapshotFileHeader is the size of a snapshot file's description.
const snapshotFileHeader = len(snapshotFileMagic) + 7*8

// snapshotFile is the path of the story index's snapshot: the database's,
// with "-stories" after it (as SQLite names the -wal and -shm files).
func (s *Store) snapshotFile() string { return s.target + "-stories" }

// encodeSnapshotHeader returns the description h of a snapshot file.
func encodeSnapshotHeader(h StorySnapshot) []byte {
	b := make([]byte, 0, snapshotFileHeader)
	b = append(b, snapshotFileMagic...)
	for _, v := range []int64{h.MaxItem, h.LastMove, h.FeaturesVersion, h.Edits, int64(h.Items), h.Bytes, h.WrittenAt.UnixMilli()} {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	return b
}

// saveSnapshotFile writes the snapshot to a new file beside the database,
// puts it in place of the last one, and then records its description h
// (with Bytes set) in story_snapshot, dropping any parts an older version
// left. A failure before the rename leaves the last snapshot as it was;
// after it, the file is not the one the row describes, and is not read.
func (s *Store) saveSnapshotFile(ctx context.Context, h StorySnapshot, write func(io.Writer) error) (err error) {
	path := s.snapshotFile()
	removeStaleSnapshotTemps(path, time.Now())
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// The description goes first, once the size is known.
	if _, err := f.Seek(int64(snapshotFileHeader), io.SeekStart); err != nil {
		return err
	}
	w := &countingWriter{w: bufio.NewWriterSize(f, 64<<10)}
	if err := write(w); err != nil {
		return err
	}
	if err := w.w.Flush(); err != nil {
		return err
	}
	h.Bytes = w.n
	if _, err := f.WriteAt(encodeSnapshotHeader(h), 0); err != nil {
		return err
	}
	if err := f.Chmod(0o640); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	return s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM story_snapshot_parts`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE story_snapshot SET max_item = ?, last_move = ?,
			features_version = ?, snapshot_edits = ?, items = ?, bytes = ?, written_at = ? WHERE id = 1`,
			h.MaxItem, h.LastMove, h.FeaturesVersion, h.Edits, h.Items, h.Bytes, millis(h.WrittenAt))
		return err
	})
}

// staleSnapshotTemp is the age past which a snapshot's temporary file is
// left over from a save that never finished (a process killed while it
// wrote): a save takes seconds, and another process (newswatch once
// beside the daemon) may be writing its own temporary file meanwhile.
const staleSnapshotTemp = time.Hour

// removeStaleSnapshotTemps removes the temporary files of saves of the
// snapshot at path that never finished; a file it cannot remove is left
// for the next save.
func removeStaleSnapshotTemps(path string, now time.Time) {
	temps, _ := filepath.Glob(path + ".*.tmp")
	for _, name := range temps {
		if info, err := os.Lstat(name); err == nil && info.Mode().IsRegular() && now.Sub(info.ModTime()) > staleSnapshotTemp {
			os.Remove(name)
		}
	}
}

// openSnapshotFile opens the snapshot file, positioned past its
// description, when that is h; else it returns nil, and no error when
// there is no file.
func (s *Store) openSnapshotFile(h StorySnapshot) (*os.File, error) {
	f, err := os.Open(s.snapshotFile())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	head := make([]byte, snapshotFileHeader)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, encodeSnapshotHeader(h)) {
		f.Close()
		return nil, nil
	}
	return f, nil
}

// readSnapshotFile reads the n bytes of f from off into memory; unmap is
// nil.
func readSnapshotFile(f *os.File, off, n int64) (data []byte, unmap func(), err error) {
	data = make([]byte, n)
	if _, err := f.ReadAt(data, off); err != nil {
		return nil, nil, err
	}
	return data, nil, nil
}

// MappedSnapshot is the reader of the story index's snapshot that
// ReadStorySnapshot gives its function on SQLite: the snapshot's bytes
// whole, mapped from its file on Linux (see mapSnapshotFile), read into
// memory elsewhere. Besides reading them, the function can take them
// (Take) to use them in place for as long as it needs, past its return.
type MappedSnapshot struct {
	bytes.Reader
	data  []byte
	unmap func()
	taken bool
}

// Take returns the snapshot's bytes, which stay as they are, and the
// function that releases them (unmaps them; nil when they are ordinary
// memory), which the caller must call once, when nothing uses them any
// more: the store no longer does. Take must be called before the
// function given to ReadStorySnapshot returns.
func (m *MappedSnapshot) Take() (data []byte, release func()) {
	m.taken = true
	return m.data, m.unmap
}

// openMappedSnapshot opens the snapshot file, when it is the one h
// describes, and maps its bytes; else it returns nil, and no error when
// there is no file.
func (s *Store) openMappedSnapshot(h StorySnapshot) (*MappedSnapshot, error) {
	f, err := s.openSnapshotFile(h)
	if f == nil || err != nil {
		return nil, err
	}
	defer f.Close() // a mapping outlives its file's descriptor
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := info.Size() - int64(snapshotFileHeader)
	if size != h.Bytes {
		// Not the file the row describes after all (its description is
		// written last, but a file cut short by a full disk keeps it).
		return nil, nil
	}
	data, unmap, err := mapSnapshotFile(f, int64(snapshotFileHeader), size)
	if err != nil {
		return nil, err
	}
	m := &MappedSnapshot{data: data, unmap: unmap}
	m.Reader.Reset(data)
	return m, nil
}

// release unmaps the bytes unless they were taken.
func (m *MappedSnapshot) release() {
	if !m.taken && m.unmap != nil {
		m.unmap()
	}
	m.unmap = nil
}

// countingWriter counts what it writes to w.
type countingWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil {
		return n, fmt.Errorf("writing the story snapshot: %w", err)
	}
	return n, nil
}
