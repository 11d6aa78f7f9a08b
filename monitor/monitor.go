// Package monitor owns the way of one item from a feed to the outbox: the
// scheduler that decides when each feed is polled (robfig/cron/v3) and the
// bounded worker pool that polls it, the HTTP and file fetcher, parsing with
// gofeed, item identity, and the poll pipeline that records new items,
// matches them against the current rules and queues their alerts, all in one
// store transaction per poll.
//
// It never formats messages or talks to notifiers: an alert ends here as a
// queued row in the store's outbox.
package monitor

// Feed is one configured feed as the monitor needs it. The command maps the
// configuration onto it.
type Feed struct {
	// Name is the feed's configured, unique name; the store keys its state
	// by it.
	Name string
	// URL is the configured URL: http, https or file.
	URL string
	// Tags are the feed's configured tags, which rules may select.
	Tags []string
	// Schedule is a cron spec (see ParseSchedule); "" means the scheduler's
	// default.
	Schedule string
	// Enabled feeds are polled; disabled ones are kept in the store but
	// never fetched.
	Enabled bool
	// Lang is the feed's configured language (BCP 47, e.g. "ar"). Rules see
	// it as the item language when an item has none, and it picks the legacy
	// code page for a body that is not UTF-8 and names no usable charset.
	Lang string
}
