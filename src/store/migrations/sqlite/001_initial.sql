-- Users, server-side sessions, rooms and their messages.
-- Timestamps are UTC microseconds since the Unix epoch.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL,
    -- Unicode lower case of username: SQLite's NOCASE folds ASCII only.
    username_key  TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    city          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    -- HMAC of the cookie token: a copy of the database does not hand out live sessions.
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE rooms (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    is_default  INTEGER NOT NULL DEFAULT 0,
    -- Sequence number of the room's newest message: messages are numbered 1, 2, 3 … per room
    -- without gaps, so a receiver can tell a missed message from one that never existed.
    last_seq    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX rooms_single_default ON rooms (is_default) WHERE is_default = 1;

CREATE TABLE messages (
    -- AUTOINCREMENT: ids are never reused, so "everything after id X" stays meaningful.
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content    TEXT    NOT NULL,
    client_id  TEXT,
    seq        INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
-- "Newest N messages of a room before id X" walks this index backwards.
CREATE INDEX messages_by_room ON messages (room_id, id);
CREATE UNIQUE INDEX messages_room_seq ON messages (room_id, seq);
CREATE UNIQUE INDEX messages_client_id ON messages (user_id, client_id) WHERE client_id IS NOT NULL;
