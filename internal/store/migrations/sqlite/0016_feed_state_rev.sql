-- 0016_feed_state_rev: a revision of each feed's polling state, so that a
-- poll that read the state a while before it saves (a round reads the
-- states of its feeds in one query, and saves those of its unchanged feeds
-- in one transaction) saves only over the state it read, never over one
-- another process or a configuration change wrote in between.
--
-- Conventions as in 0001. A new column with a constant default: the
-- migration is instant on a large database.

-- state_rev: counts the writes of the polling state (every save of a poll,
-- and a change of the configured URL); 0 before the first.
ALTER TABLE feeds ADD COLUMN state_rev INTEGER NOT NULL DEFAULT 0;
