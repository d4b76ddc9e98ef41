-- Working with messages after they are posted: edits, deletions, replies, mentions, pins and
-- reactions. Every such change is also a room event (room_events.kind 'message_updated',
-- 'message_deleted', 'reaction_added', 'reaction_removed', with message_id set).
--
-- A deleted message stays as a tombstone: content '' and deleted_at set. Its row keeps the
-- room's log whole (the event that posted it still has a seq, replayed as a deletion) and lets
-- replies to it say that the original was deleted instead of losing their reference; the text
-- itself is gone.

ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;
-- The message this one answers (same room); no foreign key: tombstones keep the target.
ALTER TABLE messages ADD COLUMN reply_to_id INTEGER;
-- Mentioned user ids, comma-separated ("3,17"), NULL when none.
ALTER TABLE messages ADD COLUMN mentions TEXT;
ALTER TABLE messages ADD COLUMN pinned_at INTEGER;
CREATE INDEX messages_pinned ON messages (room_id, pinned_at) WHERE pinned_at IS NOT NULL;

-- One row per user, emoji and message; id orders emoji by first use.
CREATE TABLE reactions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    emoji      TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX reactions_once ON reactions (message_id, emoji, user_id);
