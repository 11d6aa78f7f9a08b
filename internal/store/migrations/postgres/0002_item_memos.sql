-- 0002_item_memos: SQLite's 0006_item_memos, what a poll remembers of the
-- items of the last document it recorded, so that the next poll of a
-- changed document parses only the items it has not read before.
--
-- Conventions as in 0001.

-- memo is monitor's, opaque to the store (one row per feed, replaced by
-- every poll that records a document).
CREATE TABLE item_memos (
	feed_id BIGINT PRIMARY KEY REFERENCES feeds (id),
	memo    BYTEA  NOT NULL
);
