-- 0011_feed_state_rev: SQLite's 0016_feed_state_rev, a revision of each
-- feed's polling state, so that a poll that read the state a while before
-- it saves saves only over the state it read.
--
-- Conventions as in 0001.

ALTER TABLE feeds ADD COLUMN state_rev BIGINT NOT NULL DEFAULT 0;
