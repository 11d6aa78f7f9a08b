-- 0010_items_without_story: SQLite's 0014_items_without_story, the items
-- that have no story indexed by when they were first seen (see there): what
-- a start counts, with the window's items, to check the story index's
-- snapshot.
--
-- Conventions as in 0001.

CREATE INDEX items_without_story ON items (seen_at) WHERE story_id IS NULL;
