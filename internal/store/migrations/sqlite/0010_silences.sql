-- 0010_silences: what people in the channel where an alert was posted
-- asked of newswatch from the alert itself (Slack's buttons): a story muted
-- there, a rule snoozed there for a while, and "not relevant" feedback.
--
-- Conventions as in 0001. New tables and a column added to alerts: the
-- migration is instant on a large database.

-- A silence keeps alerts from one destination (a notifier and, for a Slack
-- bot, a channel): a mute those of one story, whatever their rule; a snooze
-- those of one rule until a time. Rows are kept when a silence ends or is
-- removed, as the record of who asked for what.
--   channel     the destination as the dispatcher names it: the channel of
--               the alert acted on, or the notifier's default ("#news",
--               "C0123ABCD"); '' for a notifier without channels
--   channel_id  the channel's ID as Slack reported it
--   story_id    a mute's story; NULL once the story is pruned
--   rule        a snooze's rule; for a mute, the rule of the alert acted on
--   alert_id    the alert whose message was acted on (not a foreign key:
--               alerts.silence_id refers to silences, and a cycle of
--               references is a table `store copy` could not write first;
--               alerts are never deleted)
--   title       that alert's title, to name the silence in lists
--   created_by  who asked for it, as a person reads it ("@alice")
--   creator_id  who, as the destination knows them (a Slack user ID)
--   until_at    when a snooze ends; NULL for a mute, which lasts as long
--               as its story
--   removed_at  when someone ended it early (undo), NULL while it holds
CREATE TABLE silences (
	id         INTEGER PRIMARY KEY,
	kind       TEXT    NOT NULL CHECK (kind IN ('mute', 'snooze')),
	notifier   TEXT    NOT NULL,
	channel    TEXT    NOT NULL DEFAULT '',
	channel_id TEXT    NOT NULL DEFAULT '',
	story_id   INTEGER REFERENCES stories (id) ON DELETE SET NULL,
	rule       TEXT    NOT NULL DEFAULT '',
	alert_id   INTEGER,
	title      TEXT    NOT NULL DEFAULT '',
	created_by TEXT    NOT NULL DEFAULT '',
	creator_id TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	until_at   INTEGER,
	removed_at INTEGER,
	removed_by TEXT    NOT NULL DEFAULT '',
	CHECK (kind <> 'snooze' OR (rule <> '' AND until_at IS NOT NULL))
) STRICT;

-- The silences in force: those not removed, read at every look.
CREATE INDEX silences_open ON silences (removed_at, until_at);
-- Keeps ON DELETE SET NULL from scanning silences when stories are pruned.
CREATE INDEX silences_story_id ON silences (story_id);

-- The silence that took an alert out of the normal way: for a delivered
-- alert, the mute that settled it without sending it (remote_id stays '');
-- for a queued one, the snooze that holds it back until its end, when the
-- alerts a snooze held go out as one summary per rule and destination.
ALTER TABLE alerts ADD COLUMN silence_id INTEGER REFERENCES silences (id);

-- The alerts a snooze holds, released when it is removed.
CREATE INDEX alerts_silence_id ON alerts (silence_id) WHERE silence_id IS NOT NULL;

-- "Not relevant": a person in the alert's channel said that an item the
-- rule matched is not what the rule is for. The row keeps what the alert
-- showed (its item's text may be pruned) and the terms that matched, for
-- `newswatch rules feedback`. One row per alert and person.
CREATE TABLE feedback (
	id         INTEGER PRIMARY KEY,
	alert_id   INTEGER REFERENCES alerts (id),
	item_id    INTEGER REFERENCES items (id) ON DELETE SET NULL,
	story_id   INTEGER REFERENCES stories (id) ON DELETE SET NULL,
	rule       TEXT    NOT NULL,
	notifier   TEXT    NOT NULL DEFAULT '',
	channel_id TEXT    NOT NULL DEFAULT '',
	title      TEXT    NOT NULL DEFAULT '',
	link       TEXT    NOT NULL DEFAULT '',
	feed       TEXT    NOT NULL DEFAULT '',
	hits       TEXT    CHECK (hits IS NULL OR json_valid(hits)),
	created_by TEXT    NOT NULL DEFAULT '',
	creator_id TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	UNIQUE (alert_id, creator_id)
) STRICT;

-- A rule's feedback, newest first.
CREATE INDEX feedback_rule ON feedback (rule, created_at);
-- Keep ON DELETE SET NULL from scanning feedback when items and stories
-- are pruned.
CREATE INDEX feedback_item_id ON feedback (item_id);
CREATE INDEX feedback_story_id ON feedback (story_id);
