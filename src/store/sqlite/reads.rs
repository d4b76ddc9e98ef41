//! Read markers in SQLite: `ReadStateStore`. The unread counts walk the room's `(room_id, id)`
//! index from the marker, at most `COUNT_WINDOW` messages.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{internal, micros};
use super::SqliteStore;
use crate::domain::{MessageId, ReadState, RoomId, UserId};
use crate::store::{mention_pattern, read_state, MarkRead, ReadStateStore, StoreError, COUNT_WINDOW};

/// Unread messages after a marker (not deleted, not the reader's own) and those of them that
/// mention the reader, among the oldest `COUNT_WINDOW`.
const COUNTS: &str = "SELECT count(*), coalesce(sum(',' || mentions || ',' LIKE ?4), 0)
     FROM (SELECT mentions FROM messages
           WHERE room_id = ?1 AND id > ?2 AND user_id <> ?3 AND deleted_at IS NULL
           ORDER BY id LIMIT ?5)";

fn counts(conn: &Connection, user: UserId, room: RoomId, after: i64) -> Result<ReadState, StoreError> {
    let (unread, mentions): (i64, i64) = conn
        .prepare_cached(COUNTS)
        .and_then(|mut s| {
            s.query_row(params![room.0, after, user.0, mention_pattern(user), COUNT_WINDOW], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
        .map_err(internal)?;
    Ok(read_state(room, after, unread, mentions))
}

/// Moves `user`'s marker in `room` to `message` inside the writer's transaction `conn`
/// ([`crate::store::Write::MarkRead`]).
pub(super) fn mark(
    conn: &Connection,
    user: UserId,
    room: RoomId,
    message: MessageId,
    now: DateTime<Utc>,
    counted: bool,
) -> Result<MarkRead, StoreError> {
    let live = conn
        .prepare_cached("SELECT 1 FROM messages WHERE id = ?1 AND room_id = ?2 AND deleted_at IS NULL")
        .and_then(|mut s| s.query_row(params![message.0, room.0], |_| Ok(())).optional())
        .map_err(internal)?;
    if live.is_none() {
        return Ok(MarkRead::MessageNotFound);
    }
    let moved = conn
        .prepare_cached(
            "INSERT INTO read_states (user_id, room_id, last_read_id, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_id, room_id) DO UPDATE
             SET last_read_id = excluded.last_read_id, updated_at = excluded.updated_at
             WHERE excluded.last_read_id > read_states.last_read_id",
        )
        .and_then(|mut s| s.execute(params![user.0, room.0, message.0, micros(now)]))
        .map_err(internal)?;
    if moved == 0 {
        return Ok(MarkRead::Unchanged);
    }
    if !counted {
        return Ok(MarkRead::MovedUncounted);
    }
    Ok(MarkRead::Moved(counts(conn, user, room, message.0)?))
}

impl ReadStateStore for SqliteStore {
    fn read_states(&self, user: UserId) -> Result<Vec<ReadState>, StoreError> {
        let mut conn = self.conn()?;
        // One snapshot for the markers and every count.
        let tx = conn.transaction().map_err(internal)?;
        let markers: Vec<(i64, i64)> = tx
            .prepare_cached(
                "SELECT r.id, coalesce(s.last_read_id, 0)
                 FROM rooms r LEFT JOIN read_states s ON s.room_id = r.id AND s.user_id = ?1
                 WHERE r.dm_a IS NULL OR r.dm_a = ?1 OR r.dm_b = ?1
                 ORDER BY r.created_at, r.id",
            )
            .and_then(|mut s| s.query_map([user.0], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .map_err(internal)?;
        let states = markers
            .into_iter()
            .map(|(room, after)| counts(&tx, user, RoomId(room), after))
            .collect::<Result<_, _>>()?;
        tx.commit().map_err(internal)?;
        Ok(states)
    }
}
