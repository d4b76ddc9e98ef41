-- Full-text search over messages, the PostgreSQL twin of migrations/sqlite/007: a stored
-- generated tsvector of each message, so it is computed in the same statement as every insert
-- and content change, whatever code writes, and a GIN index on it.
--
-- The text search configuration discock_search is the stock russian one (Russian Snowball for
-- Cyrillic words, English Snowball for Latin ones) without stop words: the server's own terms
-- (src/search/terms.rs) have none either, so «и» or "the" are searchable on both backends.
-- Before the parser sees a message, translate() makes ASCII punctuation spaces (so «e-mail»,
-- «bob@example.com» and «3.14» split into words as the server splits them, and no part is
-- swallowed as an e-mail address, URL or number), and lower-cases Russian letters with «ё» as
-- «е», which holds whatever the database's locale. Empty content (a deleted message's
-- tombstone) gives an empty vector: it is never found.

CREATE TEXT SEARCH DICTIONARY discock_russian_stem (TEMPLATE = snowball, Language = russian);
CREATE TEXT SEARCH DICTIONARY discock_english_stem (TEMPLATE = snowball, Language = english);
CREATE TEXT SEARCH CONFIGURATION discock_search (COPY = russian);
ALTER TEXT SEARCH CONFIGURATION discock_search
    ALTER MAPPING FOR word, hword, hword_part WITH discock_russian_stem;
ALTER TEXT SEARCH CONFIGURATION discock_search
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH discock_english_stem;

ALTER TABLE messages ADD COLUMN search TSVECTOR GENERATED ALWAYS AS (
    to_tsvector('discock_search'::REGCONFIG, translate(content,
        '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЁё',
        '                                абвгдежзийклмнопрстуфхцчшщъыьэюяее'))
) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);
-- A search wants the newest matches: for a common word PostgreSQL should walk the messages
-- backwards by id and stop at the page's end, for a rare one read the GIN index. It can only
-- tell them apart if the statistics know the rare words are rare: with the default target a
-- word missing from the list of frequent ones is guessed to be in ~0.1 % of messages, and a
-- word in ten messages of a million then costs a scan of them all (250 ms instead of 3 ms).
-- The largest target makes ANALYZE of messages read more rows (up to 3,000,000), which
-- autovacuum does in the background.
ALTER TABLE messages ALTER COLUMN search SET STATISTICS 10000;
-- from:username without words: that author's newest messages.
CREATE INDEX messages_by_user ON messages (user_id, id);

-- The column is new and the table was rewritten: plan the first searches with statistics.
ANALYZE messages;
