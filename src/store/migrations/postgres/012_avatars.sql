-- Avatars: the PostgreSQL twin of migrations/sqlite/012_avatars.sql (each user's picture as
-- served, 64 and 256 px, with a random version that is part of its address; the same version
-- on the user's row, so reading a user needs no join).
CREATE TABLE avatars (
    user_id      BIGINT      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    version      BIGINT      NOT NULL,
    small        BYTEA       NOT NULL,
    large        BYTEA       NOT NULL,
    content_type TEXT        NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
ALTER TABLE users ADD COLUMN avatar_version BIGINT;
