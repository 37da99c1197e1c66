-- Announcements: an organizer's mail to (part of) a community, delivered through the outbox
-- with one row per recipient. The row's idempotency key 'announcement:<id>:<user>' is what
-- makes "never twice" hold: the fan-out may run again after a crash and adds nobody twice.
CREATE TABLE announcements (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    author_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    sender_name   TEXT NOT NULL DEFAULT '',
    reply_to      TEXT NOT NULL DEFAULT '',
    -- 'members', 'organizers' or 'event:<id>:<going|waitlisted|pending|checked_in|no_show>'
    audience      TEXT NOT NULL,
    -- draft, scheduled, sending, paused, sent, cancelled
    status        TEXT NOT NULL DEFAULT 'draft',
    send_at       INTEGER,
    public        INTEGER NOT NULL DEFAULT 0,
    recipients    INTEGER NOT NULL DEFAULT 0,
    opted_out     INTEGER NOT NULL DEFAULT 0,
    suppressed    INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER
);
CREATE INDEX announcements_community_id ON announcements(community_id, created_at);
CREATE INDEX announcements_status_send_at ON announcements(status, send_at);

-- Addresses that bounced permanently: left out of later announcements (not of account mail).
CREATE TABLE suppressions (
    email       TEXT PRIMARY KEY,
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Per community: does the member want announcements (reminders already have a column).
ALTER TABLE memberships ADD COLUMN announcements INTEGER NOT NULL DEFAULT 1;

-- The outbox row of one announcement recipient carries no copy of the body: the worker
-- renders it from the announcement with the recipient's own unsubscribe link.
ALTER TABLE outbox ADD COLUMN announcement_id INTEGER REFERENCES announcements(id) ON DELETE CASCADE;
ALTER TABLE outbox ADD COLUMN user_id INTEGER;
CREATE INDEX outbox_announcement_id_status_due ON outbox(announcement_id, status, next_attempt_at);
