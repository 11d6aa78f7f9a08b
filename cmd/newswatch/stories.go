package main

import (
	"github.com/newswatch/newswatch/internal/store"
)

// retention is the background job of `run` that deletes the text of items
// older than store.retention, a batch at a time.
func (d *daemon) retention() *store.Pruner {
	return &store.Pruner{Store: d.store, Retention: d.cfg.Store.Retention, Log: d.log}
}
