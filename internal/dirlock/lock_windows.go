//go:build windows

package dirlock

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is where the locked byte lies: far past the holder's text,
// which others must be able to read while the lock is held (Windows
// locks are mandatory for the range they cover).
const lockOffset = 1 << 40

// lockFile takes an exclusive LockFileEx lock on one byte of f without
// waiting. Windows releases it when the handle closes, which includes the
// process's end.
func lockFile(f *os.File) error {
	ol := &windows.Overlapped{Offset: uint32(lockOffset & 0xffffffff), OffsetHigh: uint32(lockOffset >> 32)}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return ErrLocked
	}
	return err
}

func readHolder(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 4<<10))
}

func parentName() string { return "" }
