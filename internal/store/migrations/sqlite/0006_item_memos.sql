-- 0006_item_memos: what a poll remembers of the items of the last document
-- it recorded, so that the next poll of a changed document parses only the
-- items it has not read before.
--
-- Conventions as in 0001. A new table: the migration is instant on a large
-- database.

-- memo is monitor's, opaque to the store (one row per feed, replaced by
-- every poll that records a document). It lives apart from feeds so that a
-- 304 or a failed fetch, which read and write the feed's row, neither read
-- nor rewrite it. A feed whose URL changes loses it.
CREATE TABLE item_memos (
	feed_id INTEGER PRIMARY KEY REFERENCES feeds (id),
	memo    BLOB    NOT NULL
) STRICT;
