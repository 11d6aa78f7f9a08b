-- 0004_feed_body: what a poll remembers of the last document it recorded in
-- full, so that the same document fetched again (a 200 from a server that
-- sends no validators or ignores them) need not be parsed, and so that the
-- next body is read into a buffer of about the right size.
--
-- Conventions as in 0001. Both columns are added with constant defaults:
-- the migration is instant on a large database.

-- body_hash identifies the last document whose poll was recorded (its
-- transaction committed), '' when none: a feed whose URL changes loses it.
-- body_size is that document's size in bytes, 0 when unknown.
ALTER TABLE feeds ADD COLUMN body_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN body_size INTEGER NOT NULL DEFAULT 0;
