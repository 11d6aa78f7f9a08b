-- 0003_feed_health: what feed-health checks remember of each feed, and an
-- index for the per-feed activity that the status page, `feeds list`, the
-- checks and metrics read (a feed's newest item, its items of the last day).
--
-- Conventions as in 0001.

-- One row per feed that the checks have looked at. alerted is the problem
-- operators were told of and not yet told has passed ('' for none), so that
-- a problem alerts once and its recovery once, across restarts.
CREATE TABLE feed_health (
	feed_id       INTEGER PRIMARY KEY REFERENCES feeds (id),
	alerted       TEXT    NOT NULL DEFAULT ''
	              CHECK (alerted IN ('', 'failing', 'silent')),
	alerted_at    INTEGER, -- when alerted last changed
	failing_since INTEGER  -- first failed fetch of the current run of failures
) STRICT;

-- MAX(seen_at) and recent counts per feed without reading all its items.
CREATE INDEX items_feed_seen_at ON items (feed_id, seen_at);
