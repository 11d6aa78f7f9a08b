package notify

// fold replaces a single alert at the head of the queue with a summary of
// every queued alert of the same rule, when there are more than the fold
// threshold: a restart after an outage, or a new feed's backlog, then
// brings one "50 new matches for rule X" message instead of fifty. The
// summary takes the head's place; the rule's other alerts leave their
// places in the queue behind it. Called with ds.mu held.
func (ds *destination) fold() {
	threshold := ds.r.d.foldThreshold()
	head := ds.queue[0]
	if threshold < 0 || head.kind != KindAlert {
		return
	}
	n := 0
	for _, j := range ds.queue {
		if j.kind == KindAlert && j.rule == head.rule {
			n++
		}
	}
	if n <= threshold {
		return
	}
	summary := &job{kind: KindSummary, rule: head.rule}
	rest := make([]*job, 1, len(ds.queue)-n+1)
	for _, j := range ds.queue {
		if j.kind == KindAlert && j.rule == head.rule {
			summary.alerts = append(summary.alerts, j.alerts...)
			summary.light = summary.light || j.light
			summary.since = append(summary.since, j.since...)
			continue
		}
		rest = append(rest, j)
	}
	rest[0] = summary
	clear(ds.queue)
	ds.queue = rest
	ds.r.d.log().Info("notify: folding a burst into one summary", "rule", head.rule,
		"alerts", len(summary.alerts), "notifier", ds.notifier, "channel", ds.channel)
}
