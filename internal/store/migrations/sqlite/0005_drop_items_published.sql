-- 0005_drop_items_published: drop an index that every new item wrote and
-- no query read.
--
-- items_published (0001) ordered items by the date their feed gave. No
-- statement filters or orders items by it: history (backtest, admin
-- search) is read by seen_at, the story index by id, a feed's activity by
-- (feed_id, seen_at), retention by seen_at and story_id (EXPLAIN QUERY
-- PLAN of each: TestItemQueryPlans). items.published itself stays.
-- Dropping an index is quick on a large database.
DROP INDEX items_published;
