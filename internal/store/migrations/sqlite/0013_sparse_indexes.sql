-- 0013_sparse_indexes: index an alert's parent and story, and an item's
-- story, only where there is one.
--
-- Conventions as in 0001. Every poll that records new items writes each
-- index of items and alerts; an index entry of a NULL is a page the commit
-- writes for nothing, because no statement looks rows up by a NULL parent
-- or story. A first alert of a story (most alerts) has no parent; the
-- alerts of a rule with stories = "off", and items recorded without
-- stories, have no story. Every statement that reads these indexes asks
-- for one parent or story (`parent_id = ?`, a join on it, the foreign
-- keys' ON DELETE actions), which implies IS NOT NULL, so the partial index
-- serves it as the whole one did (EXPLAIN QUERY PLAN of each:
-- TestSparseIndexQueryPlans). Building an index reads its table once: a
-- few seconds for a million alerts.
DROP INDEX alerts_parent_id;
CREATE INDEX alerts_parent_id ON alerts (parent_id) WHERE parent_id IS NOT NULL;
DROP INDEX alerts_story_id;
CREATE INDEX alerts_story_id ON alerts (story_id) WHERE story_id IS NOT NULL;
DROP INDEX items_story_id;
CREATE INDEX items_story_id ON items (story_id) WHERE story_id IS NOT NULL;
