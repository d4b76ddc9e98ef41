-- City rooms: the PostgreSQL twin of migrations/sqlite/015_city_rooms.sql (a public room per
-- canonical city, NULL for every other room; the unique index keeps one per city across
-- instances).
ALTER TABLE rooms ADD COLUMN city_id BIGINT;
CREATE UNIQUE INDEX rooms_by_city ON rooms (city_id) WHERE city_id IS NOT NULL;
