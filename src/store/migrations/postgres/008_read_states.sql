-- Unread state: the PostgreSQL twin of migrations/sqlite/008_read_states.sql (per user and
-- room, the newest message the user has read; no row means nothing read).
CREATE TABLE read_states (
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id      BIGINT      NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    last_read_id BIGINT      NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, room_id)
);
CREATE INDEX read_states_by_room ON read_states (room_id);
