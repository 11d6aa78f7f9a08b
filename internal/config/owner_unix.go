//go:build unix

package config

import (
	"os"
	"syscall"
)

// keepOwner gives the file at path the owner and group of info, when the
// process may (root editing a file that belongs to the daemon's user), so
// that replacing the configuration file does not lock the daemon out of
// it. Failing to is not an error: an unprivileged user editing their own
// file already owns the new one.
func keepOwner(path string, info os.FileInfo) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		_ = os.Chown(path, int(st.Uid), int(st.Gid))
	}
}
