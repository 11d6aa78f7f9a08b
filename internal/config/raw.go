package config

// The raw* types mirror the file's tables. Their leaf values are `any` so
// that decoding never stops at a value of the wrong type: every value is
// checked by the builder, which reports all problems at once, each at its
// position. Unknown keys are still rejected by the strict decoder.

type rawConfig struct {
	Daemon    rawDaemon     `toml:"daemon"`
	Log       rawLog        `toml:"log"`
	Fetch     rawFetch      `toml:"fetch"`
	Rules     rawRules      `toml:"rules"`
	Feeds     []rawFeed     `toml:"feed"`
	Notifiers []rawNotifier `toml:"notifier"`
	// Notify is a pointer to tell an absent [notify] table, so that an
	// error about notify.default can point at the table when it exists.
	Notify  *rawNotify `toml:"notify"`
	Health  rawHealth  `toml:"health"`
	Store   rawStore   `toml:"store"`
	Stories rawStories `toml:"stories"`
}

type rawDaemon struct {
	DataDir     any `toml:"data_dir"`
	Schedule    any `toml:"schedule"`
	Backfill    any `toml:"backfill"`
	AdminAddr   any `toml:"admin_addr"`
	AdminToken  any `toml:"admin_token"`
	MemoryLimit any `toml:"memory_limit"`
}

type rawLog struct {
	Level  any `toml:"level"`
	Format any `toml:"format"`
}

type rawFetch struct {
	Timeout        any `toml:"timeout"`
	ConnectTimeout any `toml:"connect_timeout"`
	MaxBody        any `toml:"max_body"`
	UserAgent      any `toml:"user_agent"`
	Concurrency    any `toml:"concurrency"`
	PerHost        any `toml:"per_host"`
	BackoffMax     any `toml:"backoff_max"`
	Jitter         any `toml:"jitter"`
	Article        any `toml:"article"`
	ArticleMaxBody any `toml:"article_max_body"`
}

type rawRules struct {
	Dir any `toml:"dir"`
}

type rawFeed struct {
	Name        any `toml:"name"`
	URL         any `toml:"url"`
	Tags        any `toml:"tags"`
	Schedule    any `toml:"schedule"`
	Enabled     any `toml:"enabled"`
	Lang        any `toml:"lang"`
	ExpectEvery any `toml:"expect_every"`
	Article     any `toml:"article"`
}

type rawNotifier struct {
	Name         any `toml:"name"`
	Type         any `toml:"type"`
	Token        any `toml:"token"`
	AppToken     any `toml:"app_token"`
	Channel      any `toml:"channel"`
	APIURL       any `toml:"api_url"`
	URL          any `toml:"url"`
	Secret       any `toml:"secret"`
	Unfurl       any `toml:"unfurl"`
	Mention      any `toml:"mention"`
	Timeout      any `toml:"timeout"`
	Rate         any `toml:"rate"`
	Burst        any `toml:"burst"`
	StoryUpdates any `toml:"story_updates"`
	// ReplyBroadcast is reply_broadcast.
	ReplyBroadcast any `toml:"reply_broadcast"`
}

type rawNotify struct {
	Default       any `toml:"default"`
	MaxAge        any `toml:"max_age"`
	FoldThreshold any `toml:"fold_threshold"`
	RetryMax      any `toml:"retry_max"`
}

type rawHealth struct {
	FeedAlertAfter any `toml:"feed_alert_after"`
	Notify         any `toml:"notify"`
}

type rawStore struct {
	Retention any `toml:"retention"`
	Driver    any `toml:"driver"`
	DSN       any `toml:"dsn"`
	Lease     any `toml:"lease"`
}
