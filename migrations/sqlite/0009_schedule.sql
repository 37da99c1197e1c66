-- The conference schedule: rooms, the grid and programme hours, breaks and blocked times,
-- the draft placement of talks, published versions (frozen copies), favourites, and
-- speakers who came with an imported schedule and have no account here.
-- Instants are INTEGER unix microseconds; local times of day are 'HH:MM' in the event's zone.

CREATE TABLE schedule_settings (
    event_id      INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    grid_minutes  INTEGER NOT NULL DEFAULT 5,
    day_start     TEXT NOT NULL DEFAULT '09:00',
    day_end       TEXT NOT NULL DEFAULT '19:00',
    updated_at    INTEGER NOT NULL,
    CHECK (grid_minutes IN (5, 10, 15, 30)),
    CHECK (day_end > day_start)
);

CREATE TABLE rooms (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    capacity  INTEGER,
    position  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, name),
    CHECK (capacity IS NULL OR capacity > 0)
);
CREATE INDEX rooms_event_id ON rooms(event_id, position);

-- A break for every room (room_id NULL) or a room's blocked time.
CREATE TABLE schedule_blocks (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    room_id    INTEGER REFERENCES rooms(id) ON DELETE CASCADE,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    label      TEXT NOT NULL DEFAULT '',
    CHECK (ends_at > starts_at)
);
CREATE INDEX schedule_blocks_event_id ON schedule_blocks(event_id, starts_at);

-- The draft: where each talk is now. Public pages never read it.
CREATE TABLE schedule_slots (
    talk_id     INTEGER PRIMARY KEY REFERENCES talks(id) ON DELETE CASCADE,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    room_id     INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    starts_at   INTEGER NOT NULL,
    pinned      INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX schedule_slots_event_id ON schedule_slots(event_id, starts_at);

CREATE TABLE schedule_versions (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    number        INTEGER NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    published_at  INTEGER NOT NULL,
    published_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    UNIQUE (event_id, number)
);

-- A published version's slots, frozen: titles and room names as they were, so the changelog
-- still reads right after a talk or room is renamed or deleted (no foreign keys on purpose).
CREATE TABLE schedule_version_slots (
    version_id  INTEGER NOT NULL REFERENCES schedule_versions(id) ON DELETE CASCADE,
    talk_id     INTEGER NOT NULL,
    room_id     INTEGER NOT NULL,
    room_name   TEXT NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    PRIMARY KEY (version_id, talk_id)
);

CREATE TABLE favourites (
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    talk_id     INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, talk_id)
);
CREATE INDEX favourites_talk_id ON favourites(talk_id);

-- Speakers without an account here (from an imported schedule), shown beside the account
-- speakers of the talk.
CREATE TABLE talk_guests (
    id         INTEGER PRIMARY KEY,
    talk_id    INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    biography  TEXT NOT NULL DEFAULT '',
    code       TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX talk_guests_talk_id ON talk_guests(talk_id, position);

-- A talk's own length; NULL = its session type's (imported talks have their own).
ALTER TABLE talks ADD COLUMN minutes INTEGER;
