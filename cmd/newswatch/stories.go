package main

import (
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/store"
	"github.com/newswatch/newswatch/story"
)

// wireStories makes the poller group new items into stories as [stories]
// says, and tells it what later reports of a story become at each
// notifier (story_updates).
func (d *daemon) wireStories() {
	cfg := d.cfg
	d.poller.Stories = &monitor.Stories{
		Store: d.store,
		Options: story.Options{Window: cfg.Stories.Window, Threshold: cfg.Stories.Threshold,
			MaxItems: cfg.Stories.MaxItems},
		ReplyDelay: cfg.Stories.ReplyDelay,
		Log:        d.log,
	}
	updates := make(map[string]string, len(cfg.Notifiers))
	for _, n := range cfg.Notifiers {
		updates[n.Name] = n.StoryUpdates
	}
	d.poller.Routing.StoryUpdates = updates
}

// retention is the background job of `run` that deletes the text of items
// older than store.retention, a batch at a time.
func (d *daemon) retention() *store.Pruner {
	return &store.Pruner{Store: d.store, Retention: d.cfg.Store.Retention, Log: d.log}
}
