-- Communities, their members and organizers, events and RSVPs.
-- Capacity is enforced by the database: events.seats_taken counts confirmed seats (people plus
-- guests) and a CHECK keeps it within capacity; every RSVP change adjusts it in the same
-- transaction with a conditional UPDATE. rsvp_seq hands out arrival numbers under the event
-- row's lock, so waitlist order is the order in which RSVPs reached the database.

CREATE TABLE communities (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    logo_url     TEXT NOT NULL DEFAULT '',
    links        TEXT NOT NULL DEFAULT '',
    time_zone    TEXT NOT NULL,
    lang         TEXT NOT NULL DEFAULT 'en',
    created_at   INTEGER NOT NULL
);

CREATE TABLE memberships (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role          TEXT NOT NULL DEFAULT 'member',
    reminders     INTEGER NOT NULL DEFAULT 1,
    joined_at     INTEGER NOT NULL,
    PRIMARY KEY (community_id, user_id)
);
CREATE INDEX memberships_user_id ON memberships(user_id);

CREATE TABLE events (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    starts_at          INTEGER NOT NULL,
    ends_at            INTEGER NOT NULL,
    time_zone          TEXT NOT NULL,
    venue_name         TEXT NOT NULL DEFAULT '',
    venue_address      TEXT NOT NULL DEFAULT '',
    map_url            TEXT NOT NULL DEFAULT '',
    online_url         TEXT NOT NULL DEFAULT '',
    cover_url          TEXT NOT NULL DEFAULT '',
    capacity           INTEGER,
    max_guests         INTEGER NOT NULL DEFAULT 0,
    approval_required  INTEGER NOT NULL DEFAULT 0,
    rsvp_opens_at      INTEGER,
    rsvp_closes_at     INTEGER,
    status             TEXT NOT NULL DEFAULT 'draft',
    seats_taken        INTEGER NOT NULL DEFAULT 0,
    rsvp_seq           INTEGER NOT NULL DEFAULT 0,
    sequence           INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (seats_taken >= 0),
    CHECK (capacity IS NULL OR seats_taken <= capacity)
);
CREATE INDEX events_starts_at ON events(starts_at);
CREATE INDEX events_community_id_starts_at ON events(community_id, starts_at);

CREATE TABLE rsvps (
    id             INTEGER PRIMARY KEY,
    event_id       INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status         TEXT NOT NULL,
    guests         INTEGER NOT NULL DEFAULT 0,
    arrival        INTEGER NOT NULL,
    checked_in_at  INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (event_id, user_id),
    CHECK (guests >= 0)
);
CREATE INDEX rsvps_event_id_status_arrival ON rsvps(event_id, status, arrival);
CREATE INDEX rsvps_user_id ON rsvps(user_id);

-- An iCalendar attachment sent with the mail (RSVP confirmations).
ALTER TABLE outbox ADD COLUMN ics TEXT;
