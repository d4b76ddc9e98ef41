-- Blocks: `blocker` blocked `blocked` at `created_at` (microseconds). One row per pair and
-- direction; the rows go with either user. (009 belongs to another change.)
CREATE TABLE blocks (
    blocker    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (blocker, blocked),
    CHECK (blocker <> blocked)
);
-- "Who blocked me" (a connection's typing filter, `blocked_between`) without a scan.
CREATE INDEX blocks_by_blocked ON blocks (blocked);
