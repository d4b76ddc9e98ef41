-- Direct messages: a conversation of two people is a room whose two members are named on the
-- room itself (`dm_a` < `dm_b`); every other room has neither. A DM's `name_key` is built from
-- the pair (E'\x01dm:a:b', which no room name can be), so the existing unique constraint keeps
-- one conversation per pair even when both start it at once, on any instance.
ALTER TABLE rooms ADD COLUMN dm_a BIGINT REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE rooms ADD COLUMN dm_b BIGINT REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE rooms ADD CONSTRAINT rooms_dm_pair CHECK ((dm_a IS NULL) = (dm_b IS NULL) AND (dm_a IS NULL OR dm_a < dm_b));
-- A person's conversations without a scan of every room.
CREATE INDEX rooms_by_dm_a ON rooms (dm_a) WHERE dm_a IS NOT NULL;
CREATE INDEX rooms_by_dm_b ON rooms (dm_b) WHERE dm_b IS NOT NULL;
