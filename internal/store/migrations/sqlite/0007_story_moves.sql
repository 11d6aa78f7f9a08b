-- 0007_story_moves: items a user took out of a story (`newswatch stories
-- split`), so that a running daemon moves them in its story index too.
--
-- Conventions as in 0001. A new table: the migration is instant on a large
-- database.

-- One row per item moved: the item, the story it left and the one it
-- joined, and when. The item's own story_id is what counts (the index is
-- built from it at start); these rows tell a running daemon, which reads
-- those it has not seen at each poll. They go with their item.
CREATE TABLE story_moves (
	id        INTEGER PRIMARY KEY,
	item_id   INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	from_story INTEGER NOT NULL,
	to_story  INTEGER NOT NULL,
	moved_at  INTEGER NOT NULL
) STRICT;

-- Items by the moves of them (a pruned item's moves go with it).
CREATE INDEX story_moves_item_id ON story_moves (item_id);
