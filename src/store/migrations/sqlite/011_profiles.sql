-- Profiles: what a user says about themselves ("about"), at most 190 characters, '' until they
-- write something. The city and the registration time were there already.
ALTER TABLE users ADD COLUMN about TEXT NOT NULL DEFAULT '';
