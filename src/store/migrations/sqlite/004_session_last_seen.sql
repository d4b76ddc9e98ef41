-- Sessions end after a while unused (idle) and a while after their login (absolute), both taken
-- from the configuration when a session is checked, so a stored expiry is no longer needed:
-- a session is live while created_at > now - SESSION_MAX_DAYS and last_seen_at > now -
-- SESSION_IDLE_DAYS. last_seen_at is moved forward at most about once an hour per session, so
-- checking a session stays a read almost always.

ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;

DROP INDEX sessions_by_expiry;
ALTER TABLE sessions DROP COLUMN expires_at;

-- Logging in purges ended sessions by either limit.
CREATE INDEX sessions_by_creation ON sessions (created_at);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);
