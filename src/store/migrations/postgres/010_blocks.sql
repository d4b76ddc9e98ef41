-- Blocks: the PostgreSQL twin of migrations/sqlite/010_blocks.sql (`blocker` blocked
-- `blocked` at `created_at`; one row per pair and direction). (009 belongs to another change.)
CREATE TABLE blocks (
    blocker    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (blocker, blocked),
    CHECK (blocker <> blocked)
);
CREATE INDEX blocks_by_blocked ON blocks (blocked);
