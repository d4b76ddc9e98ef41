-- Canonical cities: the PostgreSQL twin of migrations/sqlite/014_canonical_cities.sql (the
-- GeoNames id of a user's city, NULL for a city as typed, and who may see it).
ALTER TABLE users ADD COLUMN city_id BIGINT;
ALTER TABLE users ADD COLUMN city_privacy TEXT NOT NULL DEFAULT 'city'
    CHECK (city_privacy IN ('city', 'country', 'hidden'));
CREATE INDEX users_by_city ON users (city_id) WHERE city_id IS NOT NULL;
CREATE INDEX users_by_free_city ON users (city) WHERE city_id IS NULL;
