// Package story recognises the same news event reported by several feeds:
// the item features it compares (Extract: a SimHash fingerprint and the
// forms of the words of title and summary, analysed as package rules
// analyses text for matching), the in-memory Index of the items of a time
// window that finds the story of a new item without scanning the window,
// and the pairwise evaluation of clustering against a labelled set
// (Cluster, Score).
//
// An item joins a story when, within the window, an item of the story has
// the same canonical link, or a near-duplicate text (fingerprints within
// Hamming distance MaxDistance, after Manku, Jain and Das Sarma, "Detecting
// near-duplicates for web crawling", WWW 2007), or, in a second and
// conservative stage, when the story (an item of another feed, with the
// rest of its items) shares enough rare words with it: names, places and
// figures, weighted by their rarity in the window. Merging two events hides
// news, so the second stage's threshold favours precision; docs/stories.md
// gives the measured precision and recall.
//
// The package holds no state beyond the Index and knows nothing of the
// store or of feeds: the monitor keeps an Index of the window's items,
// rebuilt at start from the features recorded with the items
// (AppendFeatures, DecodeFeatures), and records the story each item joins.
package story
