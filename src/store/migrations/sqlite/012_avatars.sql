-- Avatars: each user's picture, already cropped, resized and re-encoded by the server (the
-- bytes as served, 64 and 256 px squares), so every instance serves them from the database.
-- `version` is random and new at every upload: it is part of the picture's address, which
-- browsers cache for good. The row goes with its user.
CREATE TABLE avatars (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    small        BLOB    NOT NULL,
    large        BLOB    NOT NULL,
    content_type TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- The same version on the user's own row, written in the same transaction as the picture:
-- every read of a user (messages, member lists, sessions) already has that row, so showing
-- the avatar costs no join. NULL without an avatar.
ALTER TABLE users ADD COLUMN avatar_version INTEGER;
