-- 0009_story_features: each item's story features (package story: its
-- fingerprint, the forms of its words, its event evidence), encoded, so
-- that a start builds the story index of the window by reading them
-- instead of analysing every item's text again.
--
-- Conventions as in 0001. New columns, NULL in the rows already there: the
-- migration is instant on a large database, and the monitor computes the
-- features of those items from their text at the next start and stores
-- them then.

--   features         the encoding (story.AppendFeatures), opaque to the
--                    store; NULL when not computed, or cleared by an edit
--                    of the item's text.
--   features_version the version of the features and their encoding
--                    (story.FeaturesVersion): features of another version
--                    are computed again.
ALTER TABLE items ADD COLUMN features BLOB;
ALTER TABLE items ADD COLUMN features_version INTEGER;
