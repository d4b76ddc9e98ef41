-- The room event log: every change to what a room shows (a message posted, the room renamed …)
-- takes the room's next seq in the same transaction as the change, and is kept here in order,
-- so delivery, catch-up and a client's resume work on one sequence whatever the kind of change.
-- rooms.last_seq is the seq of the room's newest event.

CREATE TABLE room_events (
    room_id    BIGINT      NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq        BIGINT      NOT NULL,
    -- 'message_created' (message_id names the message) or 'room_updated' (data: the room as JSON).
    kind       TEXT        NOT NULL,
    message_id BIGINT      REFERENCES messages (id) ON DELETE CASCADE,
    data       TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (room_id, seq)
);

-- Messages stored before the log existed are its first events.
INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at)
SELECT room_id, seq, 'message_created', id, NULL, created_at FROM messages;

-- The log's primary key now keeps every (room, seq) unique, messages included; the messages'
-- own index on it would only cost every insert a second index update.
DROP INDEX messages_room_seq;
