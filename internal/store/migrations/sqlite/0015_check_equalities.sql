-- 0015_check_equalities: the CHECK constraints of alerts.status,
-- alerts.kind and items.article_state as OR'ed equalities.
--
-- SQLite evaluates `x IN ('a', 'b', 'c')` in a CHECK by building a
-- temporary b-tree of the list for every row it writes (OpenEphemeral in
-- EXPLAIN; a list of two values is compared directly): two for each alert
-- a poll queues, one for each item. `x = 'a' OR x = 'b' OR x = 'c'`
-- accepts and refuses the same values (NULL included: these columns are
-- NOT NULL, and both forms leave a NULL unknown) and costs a comparison
-- each.
--
-- SQLite changes a CHECK only by rebuilding its table, and items, which
-- five tables reference, cannot be rebuilt in a migration's transaction
-- with foreign keys enforced. Replacing a CHECK by one that every stored
-- row satisfies changes nothing on disk, so this migration edits the
-- tables' schema text in place, the procedure SQLite documents for
-- removing a CHECK ("ALTER TABLE", section "Making Other Kinds Of Table
-- Schema Changes"): instant on a database of any size. The migration
-- runner bumps the schema version and reloads the schema after a migration
-- that edits it (see editsSchemaText in migrate.go), so that every
-- connection, in this process and others, reads the new text.
-- TestMigrationCheckEqualities upgrades a populated database and checks
-- the constraints, the plans and the file's integrity.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
	SET sql = replace(sql,
		'CHECK (status IN (''queued'', ''delivered'', ''dead''))',
		'CHECK (status = ''queued'' OR status = ''delivered'' OR status = ''dead'')')
	WHERE type = 'table' AND name = 'alerts';
UPDATE sqlite_schema
	SET sql = replace(sql,
		'CHECK (kind IN (''alert'', ''also'', ''update''))',
		'CHECK (kind = ''alert'' OR kind = ''also'' OR kind = ''update'')')
	WHERE type = 'table' AND name = 'alerts';
UPDATE sqlite_schema
	SET sql = replace(sql,
		'CHECK (article_state IN ('''', ''pending'', ''fetched'', ''failed''))',
		'CHECK (article_state = '''' OR article_state = ''pending'' OR article_state = ''fetched'' OR article_state = ''failed'')')
	WHERE type = 'table' AND name = 'items';
