// Package model holds the domain types that the packages of newswatch
// share, so that an item keeps one shape on its way from the feed to the
// notifier and no package imports another only for a type: the configured
// Feed, the Item the monitor reads, the matcher matches, the story index
// groups and the store records, what a rule match found in it (Hit), and
// the Alert the monitor queues, the store keeps and the dispatcher
// delivers. Conversions happen only at the edges: gofeed's items in
// (monitor.Entries), the store's rows, the configuration's records
// (pipeline.Feeds) and the notifiers' messages (notify.Message). The
// package has no behaviour and imports nothing of newswatch.
package model

// Hit is one positive term that contributed to a match: the field it matched
// in and the original (not analysed) text it matched.
type Hit struct {
	Field string `json:"field"`
	Text  string `json:"text"`
	// Quote is, for a hit in a long text (an item's article), the
	// sentence it was found in, as the text has it, so that an alert can
	// show it; "" otherwise.
	Quote string `json:"quote,omitempty"`
}
