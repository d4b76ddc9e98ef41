-- Canonical cities: the GeoNames id of a user's city when it is a city of the table shipped
-- with the server (NULL: the city as typed), and who may see it: 'city' (everyone), 'country'
-- (only its country) or 'hidden' (nobody). Free-text cities that name one city unambiguously
-- are linked by the server at start-up, since the table lives in the binary, not in SQL.
ALTER TABLE users ADD COLUMN city_id INTEGER;
ALTER TABLE users ADD COLUMN city_privacy TEXT NOT NULL DEFAULT 'city'
    CHECK (city_privacy IN ('city', 'country', 'hidden'));
-- The city lens and city rooms find a city's people without a scan.
CREATE INDEX users_by_city ON users (city_id) WHERE city_id IS NOT NULL;
-- Start-up linking finds the free-text cities without a scan.
CREATE INDEX users_by_free_city ON users (city) WHERE city_id IS NULL;
