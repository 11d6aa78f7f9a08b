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
