-- 0009_sparse_indexes: SQLite's 0013_sparse_indexes, an alert's parent and
-- story, and an item's story, indexed only where there is one (see there).
-- PostgreSQL's foreign key actions look rows up by `column = $1`, which
-- implies IS NOT NULL: the partial indexes serve them.
--
-- Conventions as in 0001.

DROP INDEX alerts_parent_id;
CREATE INDEX alerts_parent_id ON alerts (parent_id) WHERE parent_id IS NOT NULL;
DROP INDEX alerts_story_id;
CREATE INDEX alerts_story_id ON alerts (story_id) WHERE story_id IS NOT NULL;
DROP INDEX items_story_id;
CREATE INDEX items_story_id ON items (story_id) WHERE story_id IS NOT NULL;
