-- 0011_replicas: what several newswatch processes (replicas) sharing one
-- database need to share the work: each feed's next due time and who has
-- claimed it, the replicas themselves, and named leases (a destination's
-- sending, a periodic job). SQLite serves one process; it has the same
-- tables as PostgreSQL (0007_replicas there) so that `store copy` moves a
-- database either way.
--
-- Conventions as in 0001. New columns with constant defaults and new
-- tables: the migration is instant on a large database.

-- due_at: when the feed is next due to be polled (shared polling), NULL
-- when it is not scheduled (disabled, or no replica has scheduled it yet).
-- claimed_by, claimed_until: the replica polling it, and until when its
-- claim holds unless renewed ('' and NULL: free). polled_by: the replica
-- that recorded its last poll ('' when none or when one process polls).
-- host: the scheme and host of its URL, for the limit of polls in flight
-- to one host across replicas.
ALTER TABLE feeds ADD COLUMN due_at INTEGER;
ALTER TABLE feeds ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN claimed_until INTEGER;
ALTER TABLE feeds ADD COLUMN polled_by TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN host TEXT NOT NULL DEFAULT '';

-- Due feeds, earliest first.
CREATE INDEX feeds_due_at ON feeds (due_at);

-- One row per replica that has run: refreshed while it runs (seen_at),
-- with hashes of its configuration and rules, to tell replicas that
-- disagree.
CREATE TABLE replicas (
	id          TEXT    PRIMARY KEY,
	hostname    TEXT    NOT NULL DEFAULT '',
	pid         INTEGER NOT NULL DEFAULT 0,
	version     TEXT    NOT NULL DEFAULT '',
	config_hash TEXT    NOT NULL DEFAULT '',
	rules_hash  TEXT    NOT NULL DEFAULT '',
	started_at  INTEGER NOT NULL,
	seen_at     INTEGER NOT NULL,
	stopped_at  INTEGER
) STRICT, WITHOUT ROWID;

-- A lease is held by one replica until a time it renews; an expired lease
-- is free to take.
CREATE TABLE leases (
	name       TEXT    PRIMARY KEY,
	holder     TEXT    NOT NULL,
	since      INTEGER NOT NULL, -- when the holder took it
	expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
