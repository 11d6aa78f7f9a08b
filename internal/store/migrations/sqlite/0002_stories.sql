-- 0002_stories: cross-outlet stories, seen identities that outlive item
-- text, identity bookkeeping per feed, and thread replies in the outbox.
--
-- Every change adds a table, a column or an index: nothing is rebuilt, so
-- the migration is quick on a large database. Conventions as in 0001.

-- A story is one news event as newswatch recognised it across feeds: its
-- items (items.story_id) are reports of it, the first one first. The row
-- keeps what names the story after its items' text is pruned.
CREATE TABLE stories (
	id         INTEGER PRIMARY KEY,
	title      TEXT    NOT NULL DEFAULT '', -- the first item's title
	link       TEXT    NOT NULL DEFAULT '', -- the first item's canonical link
	items      INTEGER NOT NULL DEFAULT 0,  -- items that joined, pruned ones included
	created_at INTEGER NOT NULL,            -- when the first item was seen
	updated_at INTEGER NOT NULL             -- when the last item joined
) STRICT;

-- Retention prunes stories whose items are gone, oldest first.
CREATE INDEX stories_updated_at ON stories (updated_at);

-- What clustering needs of an item, computed when it is recorded:
--   story_id   the story it belongs to (NULL for items recorded before 0002)
--   canonical  its canonical link, '' when it has none
--   simhash    its 64-bit SimHash (Manku, Jain & Das Sarma, WWW 2007) as a
--              signed integer, NULL when not computed
--   text_hash  a hash of its normalised title and summary, to tell an edit
--   updated_at when an edit of it was last recorded
ALTER TABLE items ADD COLUMN story_id INTEGER REFERENCES stories (id);
ALTER TABLE items ADD COLUMN canonical TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN simhash INTEGER;
ALTER TABLE items ADD COLUMN text_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN updated_at INTEGER;

-- A story's items (its outlets, backtests); also keeps pruning a story
-- from scanning items.
CREATE INDEX items_story_id ON items (story_id);

-- The record that a feed carried an identity. It outlives the item's text,
-- which retention prunes, so that an old item reappearing in a feed never
-- alerts again. An item may be known under more than one identity (its
-- GUID and its canonical link: "link:…"), each a row pointing at it.
-- item_id is NULL once the item is pruned.
CREATE TABLE seen (
	feed_id    INTEGER NOT NULL REFERENCES feeds (id),
	identity   TEXT    NOT NULL,
	first_seen INTEGER NOT NULL,
	item_id    INTEGER REFERENCES items (id) ON DELETE SET NULL,
	PRIMARY KEY (feed_id, identity)
) STRICT, WITHOUT ROWID;

-- Keeps ON DELETE SET NULL from scanning seen when items are pruned.
CREATE INDEX seen_item_id ON seen (item_id);

INSERT INTO seen (feed_id, identity, first_seen, item_id)
	SELECT feed_id, identity, seen_at, id FROM items;

-- How items of a feed are identified: 'guid' (the default) or 'link',
-- for a feed found to give its items a new GUID on every fetch.
-- guid_changes counts the items seen again under a new GUID with a known
-- link; identity_mode_at is when identity_mode last changed.
ALTER TABLE feeds ADD COLUMN identity_mode TEXT NOT NULL DEFAULT 'guid'
	CHECK (identity_mode IN ('guid', 'link'));
ALTER TABLE feeds ADD COLUMN guid_changes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN identity_mode_at INTEGER;

-- Alerts:
--   kind       'alert': the first alert of a rule for a story (one per rule,
--              notifier and story); 'also': a later item of that story,
--              sent as a reply under it (or in a follow-up message);
--              'update': an edit of an alerted item
--   story_id   the story of the alert's item
--   parent_id  for 'also' and 'update': the 'alert' they follow up
--   queued_at  when the alert became due to be sent: when written (its
--              first due time) or when requeued; max_age counts from it
ALTER TABLE alerts ADD COLUMN kind TEXT NOT NULL DEFAULT 'alert'
	CHECK (kind IN ('alert', 'also', 'update'));
ALTER TABLE alerts ADD COLUMN story_id INTEGER REFERENCES stories (id) ON DELETE SET NULL;
ALTER TABLE alerts ADD COLUMN parent_id INTEGER REFERENCES alerts (id);
ALTER TABLE alerts ADD COLUMN queued_at INTEGER NOT NULL DEFAULT 0;

-- Before 0002 an alert requeued and not tried since had its due time moved
-- past created_at with attempts reset: that due time is when it was queued.
UPDATE alerts SET queued_at = CASE
	WHEN attempts = 0 AND next_attempt_at > created_at THEN next_attempt_at
	ELSE created_at END;

-- One alert per rule, notifier and story: a second one cannot be written.
CREATE UNIQUE INDEX alerts_story_rule ON alerts (story_id, rule, notifier)
	WHERE kind = 'alert' AND story_id IS NOT NULL;
-- A story's alerts; keeps ON DELETE SET NULL from scanning alerts.
CREATE INDEX alerts_story_id ON alerts (story_id);
-- The follow-ups of an alert.
CREATE INDEX alerts_parent_id ON alerts (parent_id);
