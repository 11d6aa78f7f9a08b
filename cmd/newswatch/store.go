package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/internal/store"
)

func init() {
	program.RegisterGroup("store", "move the database between SQLite and PostgreSQL", help("store"),
		cli.Sub{Name: "copy", Run: cmdStoreCopy})
}

func cmdStoreCopy(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("store copy", "store copy [-from sqlite:PATH] [-to postgres:DSN] [-config FILE]", help("store copy"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	from := fs.String("from", "", "the database to copy: sqlite:PATH or postgres:DSN (default: the configuration's SQLite file)")
	to := fs.String("to", "", "the new database: postgres:DSN or sqlite:PATH (default: the configuration's store.dsn)")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" || *configPath != "" {
		cfg, err := loadConfig(*configPath, sio, sio.Stderr)
		if err != nil {
			return err
		}
		if *from == "" {
			*from = "sqlite:" + filepath.Join(cfg.Daemon.DataDir, pipeline.DatabaseFile)
		}
		if *to == "" {
			if cfg.Store.Driver != config.DriverPostgres {
				return cli.UsageError(`-to is missing, and the configuration's [store] is not driver = "postgres"`)
			}
			*to = "postgres:" + cfg.Store.DSN
		}
	}
	src, err := openNamedStore(ctx, *from, true, sio)
	if err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	defer src.Close()
	dst, err := openNamedStore(ctx, *to, false, sio)
	if err != nil {
		return fmt.Errorf("-to: %w", err)
	}
	defer dst.Close()
	fmt.Fprintf(sio.Stderr, "copying %s %s to %s %s\n", src.Engine(), src.Target(), dst.Engine(), dst.Target())
	counts, err := store.Copy(ctx, dst, src)
	if err != nil {
		return err
	}
	parts := make([]string, len(counts))
	for i, c := range counts {
		parts[i] = fmt.Sprintf("%s %d", c.Table, c.Rows)
	}
	fmt.Fprintf(sio.Stdout, "copied and verified: %s\n", strings.Join(parts, ", "))
	return nil
}

// openNamedStore opens the database named ENGINE:SOURCE. A SQLite source
// (existing) must exist; "postgres:" alone reads $NEWSWATCH_DATABASE_URL.
func openNamedStore(ctx context.Context, name string, existing bool, sio *IO) (*store.Store, error) {
	engine, source, ok := strings.Cut(name, ":")
	if !ok {
		engine = ""
	}
	if strings.HasPrefix(name, "postgres://") || strings.HasPrefix(name, "postgresql://") {
		engine, source = string(store.Postgres), name // a bare URL
	}
	switch store.Engine(engine) {
	case store.SQLite:
		if source == "" {
			return nil, fmt.Errorf("sqlite: needs the database file's path (sqlite:/var/lib/newswatch/newswatch.db)")
		}
		if existing {
			if _, err := os.Stat(source); err != nil {
				return nil, err
			}
		}
		return store.Open(ctx, source)
	case store.Postgres:
		if source == "" {
			source = sio.Getenv("NEWSWATCH_DATABASE_URL")
			if source == "" {
				return nil, fmt.Errorf(`"postgres:" without a DSN reads $NEWSWATCH_DATABASE_URL, which is not set`)
			}
		}
		return store.OpenPostgres(ctx, source)
	}
	return nil, fmt.Errorf("want sqlite:PATH or postgres:DSN, not a database starting %q", engine+":")
}
