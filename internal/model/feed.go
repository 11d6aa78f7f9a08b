package model

import "time"

// Feed is one configured feed as the packages that poll, match, store and
// report on it need it. The configuration's own record (config.Feed) is
// converted to it once, where the program is wired.
type Feed struct {
	// Name is the feed's configured, unique name; rules, alerts and the
	// store know the feed by it.
	Name string
	// URL is the configured URL: http, https or file.
	URL string
	// Tags are the feed's configured tags, which rules may select.
	Tags []string
	// Schedule is a cron spec (see monitor.ParseSchedule); "" means the
	// scheduler's default.
	Schedule string
	// Enabled feeds are polled; disabled ones are kept in the store but
	// never fetched.
	Enabled bool
	// Lang is the feed's configured language (BCP 47, e.g. "ar"), "" when
	// none. Rules see it as the item language when an item has none, and
	// it picks the legacy code page for a body that is not UTF-8 and names
	// no usable charset.
	Lang string
	// ExpectEvery is how often the feed is expected to publish: no new
	// item for longer raises a feed-health alert. Zero means no
	// expectation.
	ExpectEvery time.Duration
	// Article says which new items have their page fetched, so that rules
	// match the article's main text too; "" is ArticleNever.
	Article ArticleMode
}

// ArticleMode says which new items of a feed have their page fetched.
type ArticleMode string

// The article modes of a feed.
const (
	// ArticleNever fetches no page: rules match what the feed gives.
	ArticleNever ArticleMode = "never"
	// ArticleCandidates fetches the page of an item whose title, summary
	// or content already holds a positive term of a rule that watches the
	// feed: most items of a busy feed cost no second request.
	ArticleCandidates ArticleMode = "candidates"
	// ArticleAlways fetches the page of every new item.
	ArticleAlways ArticleMode = "always"
)
