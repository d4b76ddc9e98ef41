-- Direct messages: a conversation of two people is a room whose two members are named on the
-- room itself (`dm_a` < `dm_b`); every other room has neither. A DM's `name_key` is built from
-- the pair ("\x01dm:a:b", which no room name can be), so the existing unique index keeps one
-- conversation per pair even when both start it at once.
ALTER TABLE rooms ADD COLUMN dm_a INTEGER REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE rooms ADD COLUMN dm_b INTEGER REFERENCES users (id) ON DELETE CASCADE;
-- A person's conversations without a scan of every room.
CREATE INDEX rooms_by_dm_a ON rooms (dm_a) WHERE dm_a IS NOT NULL;
CREATE INDEX rooms_by_dm_b ON rooms (dm_b) WHERE dm_b IS NOT NULL;
