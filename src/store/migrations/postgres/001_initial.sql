-- Users, server-side sessions, rooms and their messages: the PostgreSQL twin of
-- migrations/sqlite/001_initial.sql. Timestamps are TIMESTAMPTZ (microsecond precision).
-- Constraint and index names are read by store/postgres.rs to tell conflicts apart: keep them.

CREATE TABLE users (
    -- Identity columns never hand out an id twice; GENERATED ALWAYS refuses explicit ids from
    -- INSERT (COPY, used by migrate-sqlite-to-postgres, may still supply them).
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT        NOT NULL,
    -- Unicode lower case of username, computed by the server (domain::fold_case).
    username_key  TEXT        NOT NULL CONSTRAINT users_username_key_unique UNIQUE,
    password_hash TEXT        NOT NULL,
    city          TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    -- HMAC of the cookie token: a copy of the database does not hand out live sessions.
    token_hash TEXT        PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE rooms (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT        NOT NULL,
    name_key    TEXT        NOT NULL CONSTRAINT rooms_name_key_unique UNIQUE,
    description TEXT        NOT NULL DEFAULT '',
    created_by  BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    is_default  BOOLEAN     NOT NULL DEFAULT FALSE,
    -- Sequence number of the room's newest message: messages are numbered 1, 2, 3 … per room
    -- without gaps, so a receiver can tell a missed message from one that never existed.
    -- Bumped under the room's row lock, so instances sharing the database agree on it.
    last_seq    BIGINT      NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX rooms_single_default ON rooms (is_default) WHERE is_default;

CREATE TABLE messages (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id    BIGINT      NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content    TEXT        NOT NULL,
    client_id  TEXT,
    seq        BIGINT      NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
-- "Newest N messages of a room before id X" walks this index backwards.
CREATE INDEX messages_by_room ON messages (room_id, id);
CREATE UNIQUE INDEX messages_room_seq ON messages (room_id, seq);
CREATE UNIQUE INDEX messages_client_id ON messages (user_id, client_id) WHERE client_id IS NOT NULL;
