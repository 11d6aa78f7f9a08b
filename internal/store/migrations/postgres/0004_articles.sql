-- 0004_articles: SQLite's 0008_articles, the main text of an item's page
-- for feeds that fetch it (feed key `article`), and the record that a page
-- was fetched, so that it is fetched at most once per canonical link,
-- whichever feed brought it. The columns' meanings are in the SQLite file.
--
-- Conventions as in 0001. New columns with constant defaults (no table
-- rewrite), a partial index that starts empty, and a new table.

ALTER TABLE items ADD COLUMN article TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN article_state TEXT NOT NULL DEFAULT ''
	CHECK (article_state IN ('', 'pending', 'fetched', 'failed'));

-- The article worker's queue: the pending items, oldest first.
CREATE INDEX items_article_pending ON items (id) WHERE article_state = 'pending';

CREATE TABLE article_fetches (
	canonical  TEXT   COLLATE "C" PRIMARY KEY,
	item_id    BIGINT REFERENCES items (id) ON DELETE SET NULL,
	state      TEXT   NOT NULL CHECK (state IN ('fetched', 'failed')),
	reason     TEXT   NOT NULL DEFAULT '',
	fetched_at BIGINT NOT NULL
);

CREATE INDEX article_fetches_fetched_at ON article_fetches (fetched_at);
CREATE INDEX article_fetches_item_id ON article_fetches (item_id);
