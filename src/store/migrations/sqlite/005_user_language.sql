-- The language a user chose for the interface and the server's answers: 'ru' or 'en', NULL
-- until they choose one (their browser's language applies meanwhile). No CHECK on the values:
-- the server reads a code it does not know as no choice, so a language can be added or
-- withdrawn without a migration.

ALTER TABLE users ADD COLUMN language TEXT;
