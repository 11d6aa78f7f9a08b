package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/feedhealth"
	"github.com/newswatch/newswatch/internal/store"
)

// OpenExisting opens the configured database for a command that reads
// what a daemon recorded (alerts, backtest, feeds list). It creates no
// SQLite one: when there is none yet, the error is os.ErrNotExist and path
// says where it was looked for. Otherwise path is the database's Target
// (the file, or PostgreSQL's host and database).
func OpenExisting(ctx context.Context, cfg *config.Config) (st *store.Store, path string, err error) {
	if cfg.Store.Driver == config.DriverSQLite {
		path = filepath.Join(cfg.Daemon.DataDir, DatabaseFile)
		if _, err := os.Stat(path); err != nil {
			return nil, path, err
		}
	}
	st, err = OpenStore(ctx, cfg)
	if err != nil {
		return nil, path, err
	}
	return st, st.Target(), nil
}

// FeedStatuses reports the state of every configured feed, read from the
// database in data_dir; when there is none yet, every feed is new (or
// disabled).
func FeedStatuses(ctx context.Context, cfg *config.Config, now time.Time) ([]feedhealth.Status, error) {
	feeds := Feeds(cfg.Feeds)
	st, _, err := OpenExisting(ctx, cfg)
	if errors.Is(err, os.ErrNotExist) {
		out := make([]feedhealth.Status, len(feeds))
		for i, f := range feeds {
			out[i] = feedhealth.Status{Feed: f, State: feedhealth.StateNew}
			if !f.Enabled {
				out[i].State = feedhealth.StateDisabled
			}
		}
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return feedhealth.Report(ctx, st, feeds, now)
}
