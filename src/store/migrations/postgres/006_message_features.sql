-- Working with messages after they are posted: the PostgreSQL twin of
-- migrations/sqlite/006_message_features.sql (edits, deletions as tombstones, replies,
-- mentions, pins and reactions).

ALTER TABLE messages ADD COLUMN edited_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN reply_to_id BIGINT;
-- Mentioned user ids, comma-separated ("3,17"), NULL when none: the same text as in SQLite.
ALTER TABLE messages ADD COLUMN mentions TEXT;
ALTER TABLE messages ADD COLUMN pinned_at TIMESTAMPTZ;
CREATE INDEX messages_pinned ON messages (room_id, pinned_at) WHERE pinned_at IS NOT NULL;

CREATE TABLE reactions (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id BIGINT      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    emoji      TEXT        NOT NULL,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX reactions_once ON reactions (message_id, emoji, user_id);
