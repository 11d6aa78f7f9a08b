-- 0008_articles: the main text of an item's page, for feeds that fetch it
-- (feed key `article`), and the record that a page was fetched, so that it
-- is fetched at most once per canonical link, whichever feed brought it.
--
-- Conventions as in 0001. New columns with constant defaults, a partial
-- index that starts empty, and a new table: the migration is instant on a
-- large database.

-- article        the page's main text, plain, one paragraph a line; ''
--                unless article_state is 'fetched'
-- article_state  '' for an item whose page is not fetched; 'pending' for
--                one recorded and matched on its feed's text whose page
--                is still to be fetched and matched (a crash leaves it
--                pending, and the article worker completes it at the
--                next start); 'fetched' or 'failed' once completed
ALTER TABLE items ADD COLUMN article TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN article_state TEXT NOT NULL DEFAULT ''
	CHECK (article_state IN ('', 'pending', 'fetched', 'failed'));

-- The article worker's queue: the pending items, oldest first. Items leave
-- it when completed, so it stays as small as the backlog.
CREATE INDEX items_article_pending ON items (id) WHERE article_state = 'pending';

-- One row per canonical link whose page was fetched: the item that holds
-- its text (NULL once that item is pruned: the link is fetched again if it
-- comes back), whether it was fetched or failed, and why it failed (the
-- fetch error's kind, 'no_text' or 'paywall'). Retention prunes rows by
-- fetched_at.
CREATE TABLE article_fetches (
	canonical  TEXT    PRIMARY KEY,
	item_id    INTEGER REFERENCES items (id) ON DELETE SET NULL,
	state      TEXT    NOT NULL CHECK (state IN ('fetched', 'failed')),
	reason     TEXT    NOT NULL DEFAULT '',
	fetched_at INTEGER NOT NULL
) STRICT;

CREATE INDEX article_fetches_fetched_at ON article_fetches (fetched_at);
-- Keeps ON DELETE SET NULL from scanning article_fetches when items are
-- pruned.
CREATE INDEX article_fetches_item_id ON article_fetches (item_id);
