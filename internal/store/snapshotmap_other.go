//go:build !linux

package store

import "os"

// mapSnapshotFile reads the n bytes of f from off into memory (mapping
// the file is done on Linux only); unmap is nil.
func mapSnapshotFile(f *os.File, off, n int64) (data []byte, unmap func(), err error) {
	return readSnapshotFile(f, off, n)
}
