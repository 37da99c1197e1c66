-- Recurring series: a rule ("monthly:2:thu" = every 2nd Thursday) turns a template event into
-- real events, one per date; members can subscribe to be RSVPed to every new occurrence.

CREATE TABLE event_series (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    template_event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    rule               TEXT NOT NULL,
    exceptions         TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL
);

ALTER TABLE events ADD COLUMN series_id INTEGER REFERENCES event_series(id) ON DELETE SET NULL;
CREATE UNIQUE INDEX events_series_id_starts_at ON events(series_id, starts_at);

CREATE TABLE series_subscriptions (
    series_id   INTEGER NOT NULL REFERENCES event_series(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (series_id, user_id)
);
