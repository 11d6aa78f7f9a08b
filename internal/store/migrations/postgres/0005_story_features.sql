-- 0005_story_features: SQLite's 0009_story_features, each item's story
-- features, encoded (see there).
--
-- Conventions as in 0001.

ALTER TABLE items ADD COLUMN features BYTEA;
ALTER TABLE items ADD COLUMN features_version BIGINT;
