-- 0008_story_snapshot: SQLite's 0012_story_snapshot, a snapshot of the
-- story index, read at a start instead of adding every item of the window
-- to a new index, and a count of the edits of items (see there).
--
-- Conventions as in 0001.

CREATE TABLE story_snapshot (
	id               SMALLINT PRIMARY KEY CHECK (id = 1),
	edits            BIGINT NOT NULL DEFAULT 0,
	max_item         BIGINT,
	last_move        BIGINT,
	features_version BIGINT,
	snapshot_edits   BIGINT,
	items            BIGINT,
	bytes            BIGINT,
	written_at       BIGINT
);
INSERT INTO story_snapshot (id) VALUES (1);

CREATE TABLE story_snapshot_parts (
	part INTEGER PRIMARY KEY,
	data BYTEA NOT NULL
);

CREATE FUNCTION items_text_edited() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE story_snapshot SET edits = edits + 1 WHERE id = 1;
	RETURN NULL;
END
$$;

CREATE TRIGGER items_text_edited AFTER UPDATE OF text_hash ON items
	FOR EACH ROW EXECUTE FUNCTION items_text_edited();
