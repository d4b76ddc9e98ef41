-- Rooms a user muted: the PostgreSQL twin of migrations/sqlite/013_room_mutes.sql (no desktop
-- notification for them, on any device; rows go with their user or room).
CREATE TABLE room_mutes (
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id    BIGINT      NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, room_id)
);
CREATE INDEX room_mutes_by_room ON room_mutes (room_id);
