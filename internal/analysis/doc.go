// Package analysis owns text analysis: how the rule language and story
// clustering turn text into words. It strips HTML (StripHTML), splits text
// into tokens after Unicode NFKC normalization, case folding, removal of
// combining marks and Arabic letter normalization (Analyze, and the pooled
// Analyzer), and knows the Arabic and Hebrew attached prefixes (Forms and
// PrefixTable). The steps are those of the rule language's contract,
// docs/rules.md "How text is analysed"; rules matches items and queries on
// these tokens, and story compares items on the same words.
//
// The package has no state but caches of per-code-point tables, and is
// safe for concurrent use except for an Analyzer, which each goroutine
// keeps its own of.
package analysis
