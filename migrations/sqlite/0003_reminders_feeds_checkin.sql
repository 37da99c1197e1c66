-- Reminders (configurable per event, sent once per event and kind), private calendar feeds.

ALTER TABLE events ADD COLUMN remind_24h INTEGER NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN remind_2h INTEGER NOT NULL DEFAULT 1;

-- One row per reminder batch queued, so a batch is queued once even with several instances
-- and across restarts (the outbox idempotency keys make each single mail unique as well).
CREATE TABLE reminder_batches (
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, kind)
);

-- The secret in a member's private calendar URL; replaced (revoked) on request.
ALTER TABLE users ADD COLUMN feed_token TEXT;
CREATE UNIQUE INDEX users_feed_token ON users(feed_token);

-- Lower-cased title, description and place, for search that treats Cyrillic like Latin on
-- both backends (SQLite's LOWER() folds only ASCII).
ALTER TABLE events ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

-- Links organizers add to a past event (slides, recordings), one per line.
ALTER TABLE events ADD COLUMN materials TEXT NOT NULL DEFAULT '';

-- Offer mode: a freed seat is offered to the next person, who has offer_hours to confirm;
-- NULL gives seats away automatically.
ALTER TABLE events ADD COLUMN offer_hours INTEGER;
ALTER TABLE rsvps ADD COLUMN offer_expires_at INTEGER;
