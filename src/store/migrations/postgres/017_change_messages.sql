-- Makes a batch's changes to messages one after the other, all in one call: one round trip to
-- the database for any number of changes instead of a few per change. Each change locks its
-- message's row, is made or found to change nothing, and when it changed something takes its
-- room's next seq and is logged, exactly as one statement per change would (the writer holds
-- the rooms' locks already).
--
-- The arrays run side by side, one element per change:
--   kinds     edit, pin, unpin, delete, react, unreact
--   ids       the message
--   by_users  who changes it (the reacting user)
--   ats       when
--   texts     an edit's new content, a reaction's emoji
--   mentions  an edit's mentions column
--   log_kinds, log_messages, log_data   its room_events row (kind, message_id, data)
-- Answers a row per change, in order: `outcome` is logged (with room_id and seq), not_found
-- (no such message, or deleted), unchanged, or too_many (a new emoji beyond max_emoji).
CREATE FUNCTION discock_change_messages(
    kinds TEXT[], ids BIGINT[], by_users BIGINT[], ats TIMESTAMPTZ[], texts TEXT[], mentions TEXT[],
    log_kinds TEXT[], log_messages BIGINT[], log_data TEXT[], max_emoji BIGINT)
RETURNS TABLE (ord INT, outcome TEXT, room_id BIGINT, seq BIGINT)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    i INT;
    -- The change at hand, out of the arrays: a statement given an array element would be given
    -- (and copy) the whole array each time.
    c_kind TEXT;
    c_id BIGINT;
    c_by BIGINT;
    c_at TIMESTAMPTZ;
    c_text TEXT;
    c_mentions TEXT;
    c_log_kind TEXT;
    c_log_message BIGINT;
    c_log_data TEXT;
    msg_room BIGINT;
    pinned BOOLEAN;
    touched BIGINT;
BEGIN
    FOR i IN 1 .. coalesce(array_length(kinds, 1), 0) LOOP
        c_kind := kinds[i];
        c_id := ids[i];
        c_by := by_users[i];
        c_at := ats[i];
        c_text := texts[i];
        c_mentions := mentions[i];
        ord := i;
        room_id := NULL;
        seq := NULL;
        SELECT m.room_id, m.pinned_at IS NOT NULL INTO msg_room, pinned
        FROM messages m WHERE m.id = c_id AND m.deleted_at IS NULL FOR NO KEY UPDATE;
        IF NOT FOUND THEN
            outcome := 'not_found';
            RETURN NEXT;
            CONTINUE;
        END IF;
        touched := 0;
        CASE c_kind
            WHEN 'edit' THEN
                UPDATE messages SET content = c_text, edited_at = c_at, mentions = c_mentions WHERE id = c_id;
                touched := 1;
            WHEN 'pin', 'unpin' THEN
                IF pinned <> (c_kind = 'pin') THEN
                    UPDATE messages SET pinned_at = CASE WHEN c_kind = 'pin' THEN c_at END WHERE id = c_id;
                    touched := 1;
                END IF;
            WHEN 'delete' THEN
                UPDATE messages SET content = '', deleted_at = c_at, mentions = NULL, pinned_at = NULL WHERE id = c_id;
                DELETE FROM reactions WHERE message_id = c_id;
                touched := 1;
            WHEN 'react' THEN
                -- Added unless already there, or unless it would be one emoji too many.
                INSERT INTO reactions (message_id, emoji, user_id, created_at)
                SELECT c_id, c_text, c_by, c_at
                WHERE NOT EXISTS (SELECT 1 FROM reactions r
                                  WHERE r.message_id = c_id AND r.emoji = c_text AND r.user_id = c_by)
                  AND (EXISTS (SELECT 1 FROM reactions r WHERE r.message_id = c_id AND r.emoji = c_text)
                       OR (SELECT count(DISTINCT r.emoji) FROM reactions r WHERE r.message_id = c_id) < max_emoji);
                GET DIAGNOSTICS touched = ROW_COUNT;
                IF touched = 0 AND NOT EXISTS (SELECT 1 FROM reactions r
                        WHERE r.message_id = c_id AND r.emoji = c_text AND r.user_id = c_by) THEN
                    outcome := 'too_many';
                    RETURN NEXT;
                    CONTINUE;
                END IF;
            WHEN 'unreact' THEN
                DELETE FROM reactions r WHERE r.message_id = c_id AND r.emoji = c_text AND r.user_id = c_by;
                GET DIAGNOSTICS touched = ROW_COUNT;
            ELSE
                RAISE EXCEPTION 'unknown message change %', c_kind;
        END CASE;
        IF touched = 0 THEN
            outcome := 'unchanged';
            RETURN NEXT;
            CONTINUE;
        END IF;
        c_log_kind := log_kinds[i];
        c_log_message := log_messages[i];
        c_log_data := log_data[i];
        UPDATE rooms SET last_seq = last_seq + 1 WHERE id = msg_room RETURNING last_seq INTO seq;
        INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at)
        VALUES (msg_room, seq, c_log_kind, c_log_message, c_log_data, c_at);
        outcome := 'logged';
        room_id := msg_room;
        RETURN NEXT;
    END LOOP;
END
$$;
