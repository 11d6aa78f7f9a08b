//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package dirlock

import (
	"errors"
	"os"
)

// lockFile reports that this platform has no file lock newswatch uses: the
// caller goes on without one, and says so.
func lockFile(*os.File) error { return ErrUnsupported }

func readHolder(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

func parentName() string { return "" }
