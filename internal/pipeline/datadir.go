package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/dirlock"
)

// ErrDataDirInUse is what Open's error wraps when another newswatch
// process that polls and delivers (a daemon, or a `once`) works on the
// SQLite database in data_dir.
var ErrDataDirInUse = errors.New("data_dir is in use by another newswatch process")

// lockDataDir takes the lock on cfg's data_dir for a process that polls
// and delivers: one such process per SQLite database, since two would
// each send the same alerts. The kernel releases the lock when the
// process ends, however it ends. A PostgreSQL store takes none: several
// daemons on one database is what it is for, and they share the work
// through it. On a platform or file system without file locks the
// process goes on without one, after a warning.
func lockDataDir(cfg *config.Config, log *slog.Logger) (*dirlock.Lock, error) {
	if cfg.Store.Driver == config.DriverPostgres {
		return nil, nil
	}
	dir := cfg.Daemon.DataDir
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	lock, err := dirlock.Acquire(dir, dirlock.Self())
	var held *dirlock.LockedError
	switch {
	case err == nil:
		return lock, nil
	case errors.As(err, &held):
		return nil, fmt.Errorf(`%w (%s): %s. Stop it first; several daemons share one database with [store] driver = "postgres"`,
			ErrDataDirInUse, held.Path, held.Holder)
	case errors.Is(err, dirlock.ErrUnsupported):
		if log != nil {
			log.Warn("data_dir is not locked: run one newswatch daemon on it at a time", "data_dir", dir, "err", err)
		}
		return nil, nil
	}
	return nil, fmt.Errorf("data_dir: %w", err)
}
