-- The mails of one RSVP batch, queued as one row (`mails`: a JSON array of outbox rows) and
-- unpacked into `outbox` by the mail worker after the batch has committed. The batch holds the
-- event's lock from its first statement to its commit, and inserting a thousand outbox rows
-- there (four index entries each) was a quarter of a storm batch's time on PostgreSQL, which
-- every later answer waited for. The bundle is written in the batch's transaction, so a mail
-- still exists exactly when its answer does; unpacking deletes the bundle in the transaction
-- that inserts its rows, and the outbox's idempotency keys make a repeated unpack harmless.
-- Mails are stored with named fields (key, kind, to, subject, text, html, message_id, ics,
-- render), so that a later version reads a bundle queued by an earlier one.
CREATE TABLE outbox_bundles (
    id         INTEGER PRIMARY KEY,
    mails      TEXT NOT NULL,
    -- How many mails `mails` holds: counted in the outbox depth before they are unpacked.
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    -- A bundle that failed to unpack is tried again after a backoff, with the error kept here,
    -- so that it holds up neither the bundles behind it nor the worker.
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT
);
