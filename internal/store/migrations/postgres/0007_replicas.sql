-- 0007_replicas: SQLite's 0011_replicas, what several newswatch processes
-- (replicas) sharing this database need to share the work: each feed's
-- next due time and who has claimed it, the replicas themselves, and named
-- leases (a destination's sending, a periodic job).
--
-- Conventions as in 0001.

ALTER TABLE feeds ADD COLUMN due_at BIGINT;
ALTER TABLE feeds ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN claimed_until BIGINT;
ALTER TABLE feeds ADD COLUMN polled_by TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN host TEXT COLLATE "C" NOT NULL DEFAULT '';

CREATE INDEX feeds_due_at ON feeds (due_at);

CREATE TABLE replicas (
	id          TEXT    COLLATE "C" PRIMARY KEY,
	hostname    TEXT    NOT NULL DEFAULT '',
	pid         INTEGER NOT NULL DEFAULT 0,
	version     TEXT    NOT NULL DEFAULT '',
	config_hash TEXT    NOT NULL DEFAULT '',
	rules_hash  TEXT    NOT NULL DEFAULT '',
	started_at  BIGINT  NOT NULL,
	seen_at     BIGINT  NOT NULL,
	stopped_at  BIGINT
);

CREATE TABLE leases (
	name       TEXT   COLLATE "C" PRIMARY KEY,
	holder     TEXT   NOT NULL,
	since      BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
