-- Unread state: per user and room, the newest message the user has read. A room never marked
-- has no row (read as 0: everything unread). Rows go with their user or room.
CREATE TABLE read_states (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id      INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    last_read_id INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id)
);
-- Deleting a room finds its rows without a scan.
CREATE INDEX read_states_by_room ON read_states (room_id);
