package config

import (
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/robfig/cron/v3"
)

// Defaults of the keys that have one. The documentation and
// config.example.toml repeat them; a test keeps the example in step.
const (
	defaultDataDir        = "./data"
	defaultSchedule       = "@every 5m"
	defaultBackfill       = 24 * time.Hour
	defaultAdminAddr      = "127.0.0.1:8080"
	defaultMemoryLimit    = 200 << 20
	defaultTimeout        = 30 * time.Second
	defaultConnectTimeout = 10 * time.Second
	defaultMaxBody        = 10 << 20
	defaultConcurrency    = 16
	defaultPerHost        = 2
	defaultBackoffMax     = 6 * time.Hour
	defaultJitter         = 10 * time.Second
	defaultArticleMaxBody = 5 << 20
	defaultRulesDir       = "rules.d"
	defaultMaxAge         = 24 * time.Hour
	defaultFoldThreshold  = 10
	defaultRetryMax       = 10 * time.Minute
	defaultFeedAlertAfter = 6 * time.Hour
	defaultRetention      = 30 * 24 * time.Hour
	defaultLease          = 30 * time.Second
	defaultSendTimeout    = 10 * time.Second
	defaultRate           = 1
	defaultBurst          = 3
)

// minAdminToken is the length below which an admin token draws a warning.
const minAdminToken = 16

// minMemoryLimit is the smallest daemon.memory_limit: below it the
// collector would run without pause, as the daemon's own live data (the
// story index, the rules) comes near it.
const minMemoryLimit = 32 << 20

func (b *builder) daemon(raw *rawDaemon) Daemon {
	p := func(key string) []any { return []any{"daemon", key} }
	d := Daemon{
		DataDir:     defaultDataDir,
		Schedule:    defaultSchedule,
		Backfill:    defaultBackfill,
		AdminAddr:   defaultAdminAddr,
		MemoryLimit: defaultMemoryLimit,
	}
	if s, ok := b.nonEmptyStr(raw.DataDir, "the database needs a directory", p("data_dir")...); ok {
		d.DataDir = s
	}
	d.DataDir = b.resolvePath(d.DataDir)
	if s, ok := b.schedule(raw.Schedule, p("schedule")...); ok {
		d.Schedule = s
	}
	if v, ok := b.duration(raw.Backfill, p("backfill")...); ok {
		d.Backfill = v
	}

	// admin_addr = "" turns the admin server off, which is why absent and
	// empty differ here.
	loopback := true
	if s, ok := b.str(raw.AdminAddr, p("admin_addr")...); ok {
		if s == "" {
			d.AdminAddr = ""
		} else if host, ok := b.hostPort(s, p("admin_addr")); ok {
			d.AdminAddr = s
			loopback = isLoopback(host)
		}
	}
	tokenRead := true // false when admin_token is set but was reported wrong
	if s, ok := b.str(raw.AdminToken, p("admin_token")...); !ok {
		tokenRead = raw.AdminToken == nil
	} else {
		d.AdminToken = s
		switch {
		case d.AdminAddr == "":
			b.warnf(p("admin_token"), `"admin_token" has no effect: the admin server is off (admin_addr = "")`)
		case s != "" && len(s) < minAdminToken:
			b.warnf(p("admin_token"), `"admin_token" is short (%d characters); use at least %d random characters`, len(s), minAdminToken)
		}
	}
	if v, ok := b.size(raw.MemoryLimit, p("memory_limit")...); ok {
		if v < minMemoryLimit {
			b.errorf(p("memory_limit"), `%s must be at least 32MiB, not %d bytes: below it the garbage collector would run without pause`,
				keyName(p("memory_limit")), v)
		} else {
			d.MemoryLimit = v
		}
	}
	if d.AdminAddr != "" && !loopback && d.AdminToken == "" && tokenRead {
		b.errorf(p("admin_addr"), `admin_addr %q accepts connections from other machines, so "admin_token" is required: set admin_token = "${NEWSWATCH_ADMIN_TOKEN}" in [daemon], or listen on 127.0.0.1`, d.AdminAddr)
	}
	return d
}

// hostPort checks that s, the value at path, is host:port with a numeric
// port, and returns the host.
func (b *builder) hostPort(s string, path []any) (string, bool) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		b.errorf(path, `%s must be host:port such as "127.0.0.1:8080", "[::1]:8080" or ":8080" (all interfaces), not %q`, keyName(path), s)
		return "", false
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		b.errorf(path, "%s must have a port number from 0 to 65535, not %q", keyName(path), port)
		return "", false
	}
	return host, true
}

// isLoopback reports whether host, of a listen address, only accepts
// connections from this machine. An empty host means every interface.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// schedule reads a cron spec that ParseSchedule accepts.
func (b *builder) schedule(v any, path ...any) (string, bool) {
	s, ok := b.str(v, path...)
	if !ok {
		return "", false
	}
	sched, err := parseSchedule(s)
	if err != nil {
		b.errorf(path, "%s %q is not a valid schedule: %v; %s", keyName(path), s, err, scheduleForms)
		return "", false
	}
	if every, ok := sched.(cron.ConstantDelaySchedule); ok && every.Delay < time.Minute {
		b.warnf(path, "%s %q polls more often than once a minute, which burdens the feed's publisher and may get newswatch blocked", keyName(path), s)
	}
	return s, true
}

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

func (b *builder) log(raw *rawLog) Log {
	l := Log{Level: slog.LevelInfo, Format: FormatText}
	if s, ok := b.oneOf(raw.Level, []string{"debug", "info", "warn", "error"}, "log", "level"); ok {
		l.Level = logLevels[s]
	}
	if s, ok := b.oneOf(raw.Format, []string{FormatText, FormatJSON}, "log", "format"); ok {
		l.Format = s
	}
	return l
}

func (b *builder) fetch(raw *rawFetch) Fetch {
	p := func(key string) []any { return []any{"fetch", key} }
	f := Fetch{
		Timeout:        defaultTimeout,
		ConnectTimeout: defaultConnectTimeout,
		MaxBodyBytes:   defaultMaxBody,
		Concurrency:    defaultConcurrency,
		PerHost:        defaultPerHost,
		BackoffMax:     defaultBackoffMax,
		Jitter:         defaultJitter,

		Article:             ArticleNever,
		ArticleMaxBodyBytes: defaultArticleMaxBody,
	}
	if v, ok := b.positiveDuration(raw.Timeout, p("timeout")...); ok {
		f.Timeout = v
	}
	if v, ok := b.positiveDuration(raw.ConnectTimeout, p("connect_timeout")...); ok {
		f.ConnectTimeout = v
	}
	if f.ConnectTimeout > f.Timeout {
		b.warnf(p("connect_timeout"), "connect_timeout (%s) is longer than timeout (%s), which bounds the whole request, connecting included",
			formatDuration(f.ConnectTimeout), formatDuration(f.Timeout))
	}
	if v, ok := b.size(raw.MaxBody, p("max_body")...); ok {
		f.MaxBodyBytes = v
	}
	if s, ok := b.str(raw.UserAgent, p("user_agent")...); ok {
		if strings.ContainsFunc(s, unicode.IsControl) {
			b.errorf(p("user_agent"), `"user_agent" must not contain control characters such as newlines`)
		} else {
			f.UserAgent = s
		}
	}
	if v, ok := b.integer(raw.Concurrency, 1, p("concurrency")...); ok {
		f.Concurrency = int(v)
	}
	if v, ok := b.integer(raw.PerHost, 1, p("per_host")...); ok {
		f.PerHost = int(v)
	}
	if v, ok := b.positiveDuration(raw.BackoffMax, p("backoff_max")...); ok {
		f.BackoffMax = v
	}
	if v, ok := b.duration(raw.Jitter, p("jitter")...); ok {
		f.Jitter = v
	}
	if s, ok := b.oneOf(raw.Article, articleModes, p("article")...); ok {
		f.Article = s
	}
	if v, ok := b.size(raw.ArticleMaxBody, p("article_max_body")...); ok {
		f.ArticleMaxBodyBytes = v
	}
	return f
}

// articleModes are the values of article.
var articleModes = []string{ArticleNever, ArticleCandidates, ArticleAlways}

func (b *builder) rules(raw *rawRules) Rules {
	dir := defaultRulesDir
	if s, ok := b.nonEmptyStr(raw.Dir, "rules are read from a directory", "rules", "dir"); ok {
		dir = s
	}
	return Rules{Dir: b.resolvePath(dir)}
}

func (b *builder) store(raw *rawStore) StoreConfig {
	p := func(key string) []any { return []any{"store", key} }
	s := StoreConfig{Retention: defaultRetention, Driver: DriverSQLite, Lease: defaultLease}
	if v, ok := b.positiveDuration(raw.Retention, p("retention")...); ok {
		s.Retention = v
	}
	driverOK := true
	if v, ok := b.oneOf(raw.Driver, []string{DriverSQLite, DriverPostgres}, p("driver")...); ok {
		s.Driver = v
	} else {
		driverOK = raw.Driver == nil
	}
	if v, ok := b.positiveDuration(raw.Lease, p("lease")...); ok {
		s.Lease = v
		if v < minLease {
			b.warnf(p("lease"), `"lease" (%s) is short: a replica that is slow for that long, not dead, loses its work to another, which then does it again; use at least %s`,
				formatDuration(v), formatDuration(minLease))
		}
	}
	dsn, dsnSet := b.str(raw.DSN, p("dsn")...)
	switch {
	case !driverOK:
	case s.Driver == DriverSQLite:
		for _, key := range []string{"dsn", "lease"} {
			if b.doc.Has(p(key)...) {
				b.warnf(p(key), `"%s" has no effect with driver = "sqlite" (the database is a file in daemon.data_dir)`, key)
			}
		}
	case raw.DSN == nil:
		b.errorf(p("driver"), `driver = "postgres" needs a "dsn": set dsn = "${NEWSWATCH_DATABASE_URL}" in [store] (postgres://user:password@host:5432/database?sslmode=verify-full)`)
	case dsnSet && dsn == "":
		b.emptyError(raw.DSN, "the PostgreSQL database to connect to", p("dsn"))
	case dsnSet:
		if problem := checkDSN(dsn); problem != "" {
			// Never quote the value: it may hold a password.
			b.errorf(p("dsn"), `"dsn" %s`, problem)
			break
		}
		s.DSN = dsn
		if rawDSN, _ := raw.DSN.(string); !strings.Contains(rawDSN, "${") && dsnHasPassword(dsn) {
			b.warnf(p("dsn"), `"dsn" holds a password in the file itself: put the connection string in an environment variable, dsn = "${NEWSWATCH_DATABASE_URL}", or the password in ~/.pgpass`)
		}
	}
	return s
}

// minLease is the shortest store.lease that does not draw a warning.
const minLease = 5 * time.Second

func (b *builder) health(raw *rawHealth, notifiers []Notifier, defaults []string) Health {
	h := Health{FeedAlertAfter: defaultFeedAlertAfter, Notify: defaults}
	if v, ok := b.duration(raw.FeedAlertAfter, "health", "feed_alert_after"); ok {
		h.FeedAlertAfter = v
	}
	if names, ok := b.strs(raw.Notify, b.notifierRefs(notifiers), "health", "notify"); ok && len(names) > 0 {
		h.Notify = names
	}
	return h
}
