-- A mail that is rendered when it is sent, not when it is queued: `render` holds what its
-- renderer needs (JSON), and subject and bodies stay empty until then. An RSVP storm queues a
-- mail for each of 2,000 people while holding the event's lock; rendering them (with the seat
-- holders' calendar files) and writing 2 KiB rows under that lock was about a third of every
-- waiting person's wait. The row is still written in the same transaction as the RSVP, so no
-- mail is lost; the rendered mail is stored once it is sent.
ALTER TABLE outbox ADD COLUMN render TEXT;
