-- Profiles: the PostgreSQL twin of migrations/sqlite/011_profiles.sql (what a user says about
-- themselves, '' until they write something).
ALTER TABLE users ADD COLUMN about TEXT NOT NULL DEFAULT '';
