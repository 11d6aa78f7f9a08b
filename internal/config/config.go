// Package config owns newswatch's configuration file: it reads the TOML
// file, replaces ${ENV_VAR} references, applies defaults, resolves relative
// paths against the file's directory and validates every value, reporting
// each problem as FILE:LINE:COL: message. The result is a Config of plain
// structs holding parsed values (durations, levels, byte counts), so the
// rest of the program never parses configuration text again. It also edits
// the file for `newswatch feeds add` and `import` (Edit): [[feed]] tables
// are appended, every byte already there is kept, and the result is
// written only if it stays valid.
//
// The key names and their meaning are a contract with users' files; see
// docs/configuration.md and config.example.toml.
//
// It owns two languages that other files share: strict TOML decoding that
// remembers where every value came from (Decode, Doc, Diagnostics), which
// rule files use too, and poll and digest schedules (ParseSchedule). The
// package imports no other package of newswatch: the packages configured
// take their settings from it, never the other way round.
package config

import (
	"log/slog"
	"time"
)

// Config is a loaded, validated configuration file.
type Config struct {
	// File is the absolute path of the file the configuration was read
	// from. Diagnostics name the file as it was given to Load.
	File string

	Daemon Daemon
	Log    Log
	Fetch  Fetch
	Rules  Rules

	// Feeds holds every [[feed]] in file order, disabled ones included, so
	// that Feeds[i] is the value at Doc path ("feed", i).
	Feeds []Feed

	// Notifiers holds every [[notifier]] in file order, or the single
	// implicit console notifier when the file configures none.
	Notifiers []Notifier

	Notify  Notify
	Health  Health
	Store   StoreConfig
	Stories Stories

	// Warnings are problems that do not stop the configuration from being
	// used, sorted by position; `newswatch check` prints them.
	Warnings Diagnostics

	// Doc locates the file's values, for messages about them that are
	// found later (a rule naming an unknown feed, say).
	Doc *Doc
}

// Daemon is the [daemon] table: what the running daemon does as a whole.
type Daemon struct {
	// DataDir is the absolute directory of the SQLite database; a relative
	// data_dir is resolved against the directory of the config file.
	DataDir string

	// Schedule is the default poll schedule of every feed, a cron spec
	// that ParseSchedule accepts.
	Schedule string

	// Backfill is how far back a feed's first successful fetch alerts:
	// older (and undated) items are recorded as seen without alerting.
	// Zero alerts on nothing from a first fetch.
	Backfill time.Duration

	// AdminAddr is the host:port of the admin HTTP server, or "" when it
	// is turned off.
	AdminAddr string

	// AdminToken is the secret the admin server requires (as a bearer
	// token or basic-auth password), or "" for none. Load refuses an
	// AdminAddr that is not a loopback address without one.
	AdminToken string

	// MemoryLimit is the soft limit, in bytes, of the memory the Go
	// runtime holds (runtime/debug.SetMemoryLimit): the garbage collector
	// works harder as the daemon nears it, and less while far below it.
	MemoryLimit int64
}

// Log is the [log] table.
type Log struct {
	// Level is the lowest level logged: debug, info, warn or error.
	Level slog.Level

	// Format is FormatText or FormatJSON.
	Format string
}

// Log formats.
const (
	FormatText = "text" // slog.TextHandler: key=value lines
	FormatJSON = "json" // slog.JSONHandler: one JSON object per line
)

// Fetch is the [fetch] table: how feeds are downloaded.
type Fetch struct {
	// Timeout bounds a whole request, body included.
	Timeout time.Duration

	// ConnectTimeout bounds establishing the connection (TCP and TLS).
	ConnectTimeout time.Duration

	// MaxBodyBytes is the largest feed body read; a longer one is an error.
	MaxBodyBytes int64

	// UserAgent replaces the built-in User-Agent header when not "".
	UserAgent string

	// Concurrency is the number of fetches in flight at once, over all feeds.
	Concurrency int

	// PerHost is the number of fetches in flight at once to one host.
	PerHost int

	// BackoffMax caps the exponential backoff of a failing feed.
	BackoffMax time.Duration

	// Jitter is the largest random delay added to each scheduled poll, so
	// that feeds on one schedule do not all fire at the same instant.
	Jitter time.Duration

	// Article is the default of every feed's article: ArticleNever,
	// ArticleCandidates or ArticleAlways.
	Article string

	// ArticleMaxBodyBytes is the largest article page read; a longer one
	// counts as a failed article.
	ArticleMaxBodyBytes int64
}

// The values of a feed's article (and of fetch.article, its default).
const (
	ArticleNever      = "never"      // fetch no item's page
	ArticleCandidates = "candidates" // fetch the pages of items that share a term with a rule watching the feed
	ArticleAlways     = "always"     // fetch every new item's page
)

// Rules is the [rules] table.
type Rules struct {
	// Dir is the absolute directory of the *.toml rule files; a relative
	// dir is resolved against the directory of the config file.
	Dir string
}

// Feed is one [[feed]].
type Feed struct {
	// Name identifies the feed in rules, alerts and the store; unique.
	Name string

	// URL is an http, https or file URL. A relative file URL
	// (file:feeds/x.xml) is made absolute against the config file's
	// directory (file:///etc/newswatch/feeds/x.xml).
	URL string

	// Tags group feeds for rules (feeds = ["tag:mideast"]); may be nil.
	Tags []string

	// Schedule is the feed's effective poll schedule: its own schedule,
	// else Daemon.Schedule.
	Schedule string

	// Enabled is false for a feed that is configured but not polled.
	Enabled bool

	// Lang is the feed's language as an ISO 639 primary language subtag
	// ("en", "ar", "he"), or "" when not configured.
	Lang string

	// ExpectEvery is how often the feed is expected to publish: no new item
	// for longer raises a feed-health alert. Zero means no expectation.
	ExpectEvery time.Duration

	// Article says which new items have their page fetched and matched:
	// ArticleNever, ArticleCandidates or ArticleAlways (fetch.article when
	// the feed does not say).
	Article string
}

// Notifier is one [[notifier]]: a destination for alerts. Which fields are
// meaningful depends on Type; the others are zero.
type Notifier struct {
	// Name identifies the notifier in rules and notify.default; unique.
	Name string

	// Type is TypeSlack, TypeSlackWebhook, TypeWebhook or TypeConsole.
	Type string

	// Token is the Slack bot token (slack).
	Token string

	// AppToken is the Slack app-level token (xapp-…) that opens a Socket
	// Mode connection, over which the buttons of alerts and the
	// /newswatch command are answered; "" for none, and then alerts carry
	// no buttons (slack).
	AppToken string

	// Channel is the default Slack channel (slack); a rule may override it.
	Channel string

	// APIURL is the base URL of the Slack Web API, ending in "/api/", or
	// "" for Slack's own (slack).
	APIURL string

	// URL is the webhook URL (slack-webhook, webhook).
	URL string

	// Secret keys the HMAC-SHA256 signature of webhook bodies, or "" for
	// unsigned bodies (webhook).
	Secret string

	// Unfurl lets Slack unfurl links in messages (slack, slack-webhook).
	Unfurl bool

	// Mention is Slack mention markup put in alerts of severity high, such
	// as "<!subteam^S0123ABCD>" or "<!here>"; "" for none (slack,
	// slack-webhook).
	Mention string

	// Timeout bounds one delivery request; zero for console.
	Timeout time.Duration

	// Rate is the most messages per second sent to one destination
	// (channel or webhook). Zero, for console, means no limit.
	Rate float64

	// Burst is how many messages may go to one destination at once before
	// Rate applies; zero for console.
	Burst int

	// StoryUpdates is what later reports of a story already alerted
	// become: StoryUpdatesThread (replies in the alert's Slack thread; the
	// default of slack), StoryUpdatesDigest (collected into follow-up
	// messages; the default of the others) or StoryUpdatesDrop.
	StoryUpdates string

	// ReplyBroadcast says whether replies in an alert's thread (later
	// reports of its story, edits) are also sent to the channel (Slack's
	// reply_broadcast; slack only); nil leaves it to each rule, and by
	// default a high rule's replies are. A rule's own reply_broadcast wins.
	ReplyBroadcast *bool
}

// What later reports of a story become, as Notifier.StoryUpdates.
const (
	StoryUpdatesThread = "thread" // replies in the alert's thread (slack)
	StoryUpdatesDigest = "digest" // collected into follow-up messages
	StoryUpdatesDrop   = "drop"   // not sent
)

// Notifier types.
const (
	TypeSlack        = "slack"         // Slack Web API, chat.postMessage with a bot token
	TypeSlackWebhook = "slack-webhook" // Slack incoming webhook
	TypeWebhook      = "webhook"       // JSON POST to any URL, optionally signed
	TypeConsole      = "console"       // alerts printed to standard output
)

// Notify is the [notify] table: delivery of alerts.
type Notify struct {
	// Default names the notifiers used by rules that name none; never
	// empty after Load.
	Default []string

	// MaxAge is how long an alert may stay undelivered before it becomes a
	// dead letter.
	MaxAge time.Duration

	// FoldThreshold is how many alerts of one rule may be pending for one
	// destination before they are folded into one summary message.
	FoldThreshold int

	// RetryMax caps the exponential backoff between delivery attempts.
	RetryMax time.Duration
}

// Health is the [health] table: alerts about the feeds themselves.
type Health struct {
	// FeedAlertAfter is how long a feed may keep failing before one
	// feed-health alert is sent (and one more when it recovers). Zero
	// turns these alerts off.
	FeedAlertAfter time.Duration

	// Notify names the notifiers that receive feed-health alerts; by
	// default Notify.Default.
	Notify []string
}

// StoreConfig is the [store] table.
type StoreConfig struct {
	// Retention is how long the text of items is kept (for backtests);
	// the record that an item was seen is kept longer.
	Retention time.Duration

	// Driver is DriverSQLite (the default: a file in Daemon.DataDir) or
	// DriverPostgres.
	Driver string

	// DSN is the PostgreSQL connection string (driver postgres), "" with
	// SQLite. It may hold a password: never log or show it.
	DSN string

	// Lease is how long work a replica claimed (a due feed, a
	// destination's sending, a periodic job) stays claimed after it stops
	// renewing the claim, e.g. because it died (driver postgres).
	Lease time.Duration
}

// The store drivers.
const (
	DriverSQLite   = "sqlite"   // one file in data_dir, one process
	DriverPostgres = "postgres" // PostgreSQL, shared by any number of replicas
)
