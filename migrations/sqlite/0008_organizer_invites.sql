-- Organizer invitations to addresses that have no account yet. They turn into an organizer
-- membership when an account with that address proves it owns it (email confirmation, a login
-- link or an admin-created account), so an invitation cannot be claimed by someone who merely
-- typed the address at sign-up.
CREATE TABLE organizer_invites (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    invited_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (community_id, email)
);
CREATE INDEX organizer_invites_email ON organizer_invites(email);
