-- Full-text search over messages: an FTS5 index of each message's search terms (its words
-- folded and stemmed by discock_search_terms(), a Rust function the server registers on every
-- connection, see store/sqlite/search.rs), its room ('r' || room_id) and its author
-- ('u' || user_id), so a search by words, room and author is one index lookup in id order.
-- Contentless: the text stays in messages; contentless_delete lets a row be deleted by rowid.
--
-- Triggers keep it in step in the same transaction as every write to messages, whatever code
-- writes: a message is indexed when stored, re-indexed when its content changes, dropped when
-- deleted (rows of a deleted room too, through the cascade). Empty content — a deleted
-- message's tombstone — is never indexed. A connection that writes messages without the
-- function (the sqlite3 shell, say) fails with "no such function": register it first.

CREATE VIRTUAL TABLE message_search USING fts5 (
    terms, room, author,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN new.content <> '' BEGIN
    INSERT INTO message_search (rowid, terms, room, author)
    VALUES (new.id, discock_search_terms(new.content), 'r' || new.room_id, 'u' || new.user_id);
END;

CREATE TRIGGER message_search_update AFTER UPDATE OF content, room_id, user_id ON messages BEGIN
    DELETE FROM message_search WHERE rowid = old.id;
    INSERT INTO message_search (rowid, terms, room, author)
    SELECT new.id, discock_search_terms(new.content), 'r' || new.room_id, 'u' || new.user_id
    WHERE new.content <> '';
END;

CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_search WHERE rowid = old.id;
END;

-- The messages stored so far.
INSERT INTO message_search (rowid, terms, room, author)
SELECT id, discock_search_terms(content), 'r' || room_id, 'u' || user_id FROM messages WHERE content <> '';
