-- Talks: calls for papers, speakers, the talk pool, review and decisions.
--
-- A CfP belongs to one event (keyed by event_id). A talk with event_id NULL sits in its
-- community's standing pool; an organizer moves it into an event's CfP. Deleting an event
-- returns its talks to the pool (SET NULL) rather than destroying speakers' work.
-- Instants are INTEGER unix microseconds and flags INTEGER 0/1, as everywhere (sqlx Any).
-- Lists of codes (languages, levels) are comma separated, e.g. 'en,ru'.

CREATE TABLE cfps (
    event_id          INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    opens_at          INTEGER NOT NULL,
    closes_at         INTEGER NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    languages         TEXT NOT NULL DEFAULT 'en,ru',
    levels            TEXT NOT NULL DEFAULT 'beginner,intermediate,advanced',
    anonymous_review  INTEGER NOT NULL DEFAULT 0,
    late_edits        INTEGER NOT NULL DEFAULT 0,
    -- Accepted speakers are asked to confirm within this many days (the {deadline} of mails).
    confirm_days      INTEGER NOT NULL DEFAULT 7,
    updated_at        INTEGER NOT NULL,
    CHECK (closes_at > opens_at),
    CHECK (confirm_days BETWEEN 1 AND 90)
);

CREATE TABLE session_types (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    minutes   INTEGER NOT NULL,
    -- Its own submission deadline; NULL = the CfP's closing time.
    deadline  INTEGER,
    position  INTEGER NOT NULL DEFAULT 0,
    CHECK (minutes BETWEEN 5 AND 480)
);
CREATE INDEX session_types_event_id ON session_types(event_id, position);

-- Also used by the schedule.
CREATE TABLE tracks (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    colour    TEXT NOT NULL DEFAULT '#888888',
    position  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tracks_event_id ON tracks(event_id, position);

CREATE TABLE cfp_questions (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    prompt    TEXT NOT NULL,
    -- 'text' or 'choice'
    kind      TEXT NOT NULL,
    -- choices, one per line (kind = 'choice')
    options   TEXT NOT NULL DEFAULT '',
    required  INTEGER NOT NULL DEFAULT 0,
    position  INTEGER NOT NULL DEFAULT 0,
    CHECK (kind IN ('text', 'choice'))
);
CREATE INDEX cfp_questions_event_id ON cfp_questions(event_id, position);

-- Organizers' own wording of the decision mails; no row = the built-in text in the
-- recipient's language.
CREATE TABLE talk_mail_templates (
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    -- 'accepted' or 'rejected'
    decision  TEXT NOT NULL,
    subject   TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (event_id, decision)
);

CREATE TABLE speaker_profiles (
    user_id       INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    bio           TEXT NOT NULL DEFAULT '',
    photo_url     TEXT NOT NULL DEFAULT '',
    company       TEXT NOT NULL DEFAULT '',
    links         TEXT NOT NULL DEFAULT '',
    availability  TEXT NOT NULL DEFAULT '',
    updated_at    INTEGER NOT NULL
);

CREATE TABLE talks (
    id                  INTEGER PRIMARY KEY,
    community_id        INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    event_id            INTEGER REFERENCES events(id) ON DELETE SET NULL,
    owner_id            INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title               TEXT NOT NULL,
    summary             TEXT NOT NULL DEFAULT '',
    description         TEXT NOT NULL DEFAULT '',
    notes               TEXT NOT NULL DEFAULT '',
    session_type_id     INTEGER REFERENCES session_types(id) ON DELETE SET NULL,
    track_id            INTEGER REFERENCES tracks(id) ON DELETE SET NULL,
    language            TEXT NOT NULL DEFAULT '',
    level               TEXT NOT NULL DEFAULT '',
    slides_url          TEXT NOT NULL DEFAULT '',
    recording_url       TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL DEFAULT 'draft',
    -- An organizer's decision waiting for "apply staged": 'accept' or 'reject'.
    staged_decision     TEXT,
    submitted_at        INTEGER,
    decided_at          INTEGER,
    confirm_reminded_at INTEGER,
    slides_reminded_at  INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    CHECK (state IN ('draft', 'submitted', 'accepted', 'rejected', 'confirmed', 'withdrawn', 'cancelled')),
    CHECK (staged_decision IS NULL OR staged_decision IN ('accept', 'reject'))
);
CREATE INDEX talks_event_id_state ON talks(event_id, state);
CREATE INDEX talks_community_id_event_id ON talks(community_id, event_id);
CREATE INDEX talks_state_decided_at ON talks(state, decided_at);

-- Everyone who gives the talk, the owner included.
CREATE TABLE talk_speakers (
    talk_id    INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (talk_id, user_id)
);
CREATE INDEX talk_speakers_user_id ON talk_speakers(user_id);

CREATE TABLE talk_answers (
    talk_id      INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    question_id  INTEGER NOT NULL REFERENCES cfp_questions(id) ON DELETE CASCADE,
    answer       TEXT NOT NULL,
    PRIMARY KEY (talk_id, question_id)
);
CREATE INDEX talk_answers_question_id ON talk_answers(question_id);

-- Co-speaker invitations: only a SHA-256 of the mailed token is stored. The row stays after
-- acceptance so that a second use of the link is told "already accepted".
CREATE TABLE talk_invitations (
    id           INTEGER PRIMARY KEY,
    talk_id      INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    accepted_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    accepted_at  INTEGER
);
CREATE INDEX talk_invitations_talk_id ON talk_invitations(talk_id);

-- Every state change (and creation, and moves from the pool): who, when, from what to what.
CREATE TABLE talk_history (
    id          INTEGER PRIMARY KEY,
    talk_id     INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    action      TEXT NOT NULL,
    actor_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    at          INTEGER NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX talk_history_talk_id ON talk_history(talk_id, id);

CREATE TABLE reviewers (
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX reviewers_user_id ON reviewers(user_id);

-- A reviewer with rows here reviews only these tracks; without rows, every track.
CREATE TABLE reviewer_tracks (
    event_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    track_id  INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, user_id, track_id),
    FOREIGN KEY (event_id, user_id) REFERENCES reviewers(event_id, user_id) ON DELETE CASCADE
);

CREATE TABLE review_categories (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    weight    INTEGER NOT NULL DEFAULT 1,
    position  INTEGER NOT NULL DEFAULT 0,
    CHECK (weight BETWEEN 1 AND 10)
);
CREATE INDEX review_categories_event_id ON review_categories(event_id, position);

-- One review per reviewer and talk, enforced here (UNIQUE), not only in Rust.
CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY,
    talk_id      INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    reviewer_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    comment      TEXT NOT NULL DEFAULT '',
    submitted    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (talk_id, reviewer_id)
);
CREATE INDEX reviews_reviewer_id ON reviews(reviewer_id);

CREATE TABLE review_scores (
    review_id    INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    category_id  INTEGER NOT NULL REFERENCES review_categories(id) ON DELETE CASCADE,
    score        INTEGER NOT NULL,
    PRIMARY KEY (review_id, category_id),
    CHECK (score BETWEEN 0 AND 5)
);
CREATE INDEX review_scores_category_id ON review_scores(category_id);
