-- 0012_story_snapshot: a snapshot of the story index (story.WriteSnapshot),
-- written when a process stops and read by the next one to start instead
-- of adding every item of the window to a new index (docs/stories.md), and
-- a count of the edits of items, by which a start knows whether the
-- snapshot still says what the items say.
--
-- Conventions as in 0001. Both tables hold the state of the processes,
-- not history: `store copy` does not move them.

-- story_snapshot: the one row that describes the snapshot. edits counts
-- the changes of an item's text (items.text_hash) ever recorded: the
-- trigger below raises it. The other columns are NULL while no snapshot
-- was written: max_item and last_move are the last item and story move
-- the index took in, features_version the version of the story features
-- it was built with, snapshot_edits the edits when it was built (an edit
-- since may have changed an item's features), items its items, bytes the
-- size of the snapshot and written_at when it was written.
CREATE TABLE story_snapshot (
	id               INTEGER PRIMARY KEY CHECK (id = 1),
	edits            INTEGER NOT NULL DEFAULT 0,
	max_item         INTEGER,
	last_move        INTEGER,
	features_version INTEGER,
	snapshot_edits   INTEGER,
	items            INTEGER,
	bytes            INTEGER,
	written_at       INTEGER
) STRICT;
INSERT INTO story_snapshot (id) VALUES (1);

-- story_snapshot_parts: the snapshot's bytes, in parts of a few hundred KiB
-- (part 0 first), so that neither writing nor reading it holds it whole.
CREATE TABLE story_snapshot_parts (
	part INTEGER PRIMARY KEY,
	data BLOB NOT NULL
) STRICT;

CREATE TRIGGER items_text_edited AFTER UPDATE OF text_hash ON items
BEGIN
	UPDATE story_snapshot SET edits = edits + 1 WHERE id = 1;
END;
