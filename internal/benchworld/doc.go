// Package benchworld is the world newswatch's bench harness
// (cmd/newswatch-bench) measures the daemon in, and the driver that runs
// the daemon through it.
//
// The world is generated from a Mix: feeds in English and Arabic of news
// written from a vocabulary of people, places and topics (corpus.go,
// vocab.go), healthy, changing or failing, served with or without
// validators and gzip on loopback listeners, one per made-up host; the
// fake Slack Web API of internal/slacktest, which the alerts reach; and
// watch rules generated to match some of those items (rulegen.go). It runs
// in a child process (Serve, started by Run with WorldFlag) so that its
// CPU time and memory are not counted as the daemon's, and it measures
// what only it can see: when an item appeared, when the daemon first
// fetched it, when its alert reached Slack.
//
// Run wires the daemon from a generated configuration with package
// pipeline, as `newswatch run` wires it, polls every feed once per round,
// waits for the round's alerts, and returns the cost of each round as a
// Result. With Options.R2E it also times rss2email over the first round,
// for comparison. BENCHMARKS.md explains the figures.
package benchworld
