// Package model holds the domain types that several packages of newswatch
// share, so that none of them has to import another only for a type: the
// configured Feed, what a rule match found in an item (Hit), which travels
// from the matcher through the store's outbox to the notifiers. The
// package has no behaviour and imports nothing of newswatch.
package model

// Hit is one positive term that contributed to a match: the field it matched
// in and the original (not analysed) text it matched.
type Hit struct {
	Field string `json:"field"`
	Text  string `json:"text"`
}
