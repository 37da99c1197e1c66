-- The input of a form the rules refused, kept for its author for an hour: without JavaScript
-- the browser reloads the form after a refusal, and a speaker's abstract must not be lost
-- because the title was too long. Rows are replaced on the next refusal and deleted on success.
CREATE TABLE form_stash (
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    form        TEXT NOT NULL,
    data        TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, form)
);
