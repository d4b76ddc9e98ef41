-- City rooms: a public room per canonical city (GeoNames id), NULL for every other room. The
-- unique index is what keeps one room per city when people open it at the same moment, on any
-- instance: a second insert finds the first and does nothing.
ALTER TABLE rooms ADD COLUMN city_id INTEGER;
CREATE UNIQUE INDEX rooms_by_city ON rooms (city_id) WHERE city_id IS NOT NULL;
