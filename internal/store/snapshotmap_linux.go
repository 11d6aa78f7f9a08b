package store

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mapSnapshotFile maps the n bytes of f from off into memory, read-only,
// its pages mapped at once (MAP_POPULATE: one system call instead of a
// page fault each 4 KiB, the pages being the page cache's when the file
// was written or read lately), and returns them with the function that
// unmaps them. Nothing may use the bytes after unmap. newswatch replaces
// the file by renaming a new one over it, which leaves a mapping of the
// old one intact; a file cut short in place while it is mapped (a copy
// over it) would make a read past its new end fault, which is why, like
// the database and its -wal, it must not be written over while a process
// uses it.
func mapSnapshotFile(f *os.File, off, n int64) (data []byte, unmap func(), err error) {
	if n == 0 || off+n > int64(int(^uint(0)>>1)) {
		return readSnapshotFile(f, off, n)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(off+n), unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_POPULATE)
	if err != nil {
		// A file system that cannot map files: read it.
		return readSnapshotFile(f, off, n)
	}
	return m[off : off+n : off+n], func() {
		if err := unix.Munmap(m); err != nil {
			panic(fmt.Sprintf("store: unmap the story snapshot: %v", err))
		}
	}, nil
}
