-- 0001_init: feed state, seen items with their text, the alert outbox and
-- alert history.
--
-- Conventions: times are INTEGER unix milliseconds UTC, NULL when unknown;
-- text is NOT NULL DEFAULT '' ('' means absent); lists are JSON text, NULL
-- when empty; booleans are INTEGER 0/1. Tables are STRICT.

-- One row per feed name ever configured. Feeds dropped from the
-- configuration are kept (configured = 0) so their items and alerts keep
-- their history; the name is the feed's identity across restarts.
CREATE TABLE feeds (
	id                   INTEGER PRIMARY KEY,
	name                 TEXT    NOT NULL UNIQUE,
	url                  TEXT    NOT NULL,
	configured           INTEGER NOT NULL DEFAULT 1 CHECK (configured IN (0, 1)),
	-- HTTP state of the configured url.
	current_url          TEXT    NOT NULL DEFAULT '', -- after a permanent redirect
	etag                 TEXT    NOT NULL DEFAULT '',
	last_modified        TEXT    NOT NULL DEFAULT '',
	last_fetch_at        INTEGER,
	last_success_at      INTEGER,
	last_status          INTEGER NOT NULL DEFAULT 0,
	last_error           TEXT    NOT NULL DEFAULT '',
	consecutive_failures INTEGER NOT NULL DEFAULT 0,
	next_attempt_at      INTEGER, -- do not fetch before
	primed_at            INTEGER  -- first successful fetch
) STRICT;

-- One row per item identity a feed has carried: the row is the record that
-- the identity was seen, and holds the text a changed rule can be tried
-- against later.
CREATE TABLE items (
	id         INTEGER PRIMARY KEY,
	feed_id    INTEGER NOT NULL REFERENCES feeds (id),
	identity   TEXT    NOT NULL,
	guid       TEXT    NOT NULL DEFAULT '',
	link       TEXT    NOT NULL DEFAULT '',
	title      TEXT    NOT NULL DEFAULT '',
	summary    TEXT    NOT NULL DEFAULT '',
	content    TEXT    NOT NULL DEFAULT '',
	author     TEXT    NOT NULL DEFAULT '',
	categories TEXT    CHECK (categories IS NULL OR json_valid(categories)),
	lang       TEXT    NOT NULL DEFAULT '',
	published  INTEGER,
	seen_at    INTEGER NOT NULL,
	UNIQUE (feed_id, identity)
) STRICT;

CREATE INDEX items_seen_at ON items (seen_at);
CREATE INDEX items_published ON items (published);

-- The outbox and the alert history in one table: an alert is written queued
-- in the poll transaction of the item that caused it, and moves to delivered
-- or dead. Each row carries a snapshot of what it renders, so it outlives the
-- item's text (item_id becomes NULL if the item row is ever deleted).
CREATE TABLE alerts (
	id              INTEGER PRIMARY KEY,
	item_id         INTEGER REFERENCES items (id) ON DELETE SET NULL,
	rule            TEXT    NOT NULL,
	notifier        TEXT    NOT NULL,
	channel         TEXT    NOT NULL DEFAULT '',
	severity        TEXT    NOT NULL DEFAULT '',
	title           TEXT    NOT NULL DEFAULT '',
	link            TEXT    NOT NULL DEFAULT '',
	feed            TEXT    NOT NULL DEFAULT '',
	summary         TEXT    NOT NULL DEFAULT '',
	description     TEXT    NOT NULL DEFAULT '',
	published       INTEGER,
	hits            TEXT    CHECK (hits IS NULL OR json_valid(hits)),
	-- 1: waits for the rule's digest instead of being sent alone.
	digest          INTEGER NOT NULL DEFAULT 0 CHECK (digest IN (0, 1)),
	status          TEXT    NOT NULL DEFAULT 'queued'
	                CHECK (status IN ('queued', 'delivered', 'dead')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL, -- due time while queued
	created_at      INTEGER NOT NULL,
	delivered_at    INTEGER,
	dead_at         INTEGER,
	last_error      TEXT    NOT NULL DEFAULT '',
	remote_id       TEXT    NOT NULL DEFAULT '', -- e.g. the Slack message ts
	remote_channel  TEXT    NOT NULL DEFAULT ''  -- e.g. the Slack channel id
) STRICT;

-- The dispatcher's scan: queued alerts due by now.
CREATE INDEX alerts_due ON alerts (status, next_attempt_at);
-- History listings: newest first, optionally one rule's; a rule's digest.
CREATE INDEX alerts_created_at ON alerts (created_at);
CREATE INDEX alerts_rule ON alerts (rule, created_at);
-- Keeps ON DELETE SET NULL from scanning alerts when items are deleted.
CREATE INDEX alerts_item_id ON alerts (item_id);
