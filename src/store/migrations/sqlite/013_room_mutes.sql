-- Rooms a user muted: no desktop notification for them, on any device. A row per muted room;
-- rows go with their user or room.
CREATE TABLE room_mutes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id)
);
-- Deleting a room finds its rows without a scan.
CREATE INDEX room_mutes_by_room ON room_mutes (room_id);
