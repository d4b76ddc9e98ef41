//! Read markers in PostgreSQL: `ReadStateStore`. The unread counts walk the room's
//! `(room_id, id)` index from the marker, at most `COUNT_WINDOW` messages.

use chrono::{DateTime, Utc};
use postgres::GenericClient;

use super::connect::internal;
use super::pool::Prepared;
use super::PostgresStore;
use crate::domain::{MessageId, ReadState, RoomId, UserId};
use crate::store::{mention_pattern, read_state, MarkRead, ReadStateStore, StoreError, COUNT_WINDOW};

/// Unread messages after a marker (not deleted, not the reader's own) and those of them that
/// mention the reader, among the oldest `COUNT_WINDOW`.
const COUNTS: &str = "SELECT count(*), count(*) FILTER (WHERE ',' || mentions || ',' LIKE $4)
     FROM (SELECT mentions FROM messages
           WHERE room_id = $1 AND id > $2 AND user_id <> $3 AND deleted_at IS NULL
           ORDER BY id LIMIT $5) AS unread";

fn counts(
    c: &mut impl GenericClient,
    prepared: &mut Prepared,
    user: UserId,
    room: RoomId,
    after: i64,
) -> Result<ReadState, StoreError> {
    let row = prepared
        .query_one(c, COUNTS, &[&room.0, &after, &user.0, &mention_pattern(user), &COUNT_WINDOW])
        .map_err(internal)?;
    let (unread, mentions): (i64, i64) = (row.try_get(0).map_err(internal)?, row.try_get(1).map_err(internal)?);
    Ok(read_state(room, after, unread, mentions))
}

/// Moves `user`'s marker in `room` to `message` inside the writer's transaction `c`
/// ([`crate::store::Write::MarkRead`]).
pub(super) fn mark(
    c: &mut impl GenericClient,
    prepared: &mut Prepared,
    user: UserId,
    room: RoomId,
    message: MessageId,
    now: DateTime<Utc>,
    counted: bool,
) -> Result<MarkRead, StoreError> {
    const LIVE: &str = "SELECT 1 FROM messages WHERE id = $1 AND room_id = $2 AND deleted_at IS NULL";
    const MARK: &str = "INSERT INTO read_states (user_id, room_id, last_read_id, updated_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, room_id) DO UPDATE
         SET last_read_id = excluded.last_read_id, updated_at = excluded.updated_at
         WHERE excluded.last_read_id > read_states.last_read_id";
    if prepared.query_opt(c, LIVE, &[&message.0, &room.0]).map_err(internal)?.is_none() {
        return Ok(MarkRead::MessageNotFound);
    }
    if prepared.execute(c, MARK, &[&user.0, &room.0, &message.0, &now]).map_err(internal)? == 0 {
        return Ok(MarkRead::Unchanged);
    }
    if !counted {
        return Ok(MarkRead::MovedUncounted);
    }
    Ok(MarkRead::Moved(counts(c, prepared, user, room, message.0)?))
}

impl ReadStateStore for PostgresStore {
    fn read_states(&self, user: UserId) -> Result<Vec<ReadState>, StoreError> {
        const MARKERS: &str = "SELECT r.id, coalesce(s.last_read_id, 0)
             FROM rooms r LEFT JOIN read_states s ON s.room_id = r.id AND s.user_id = $1
             WHERE r.dm_a IS NULL OR $1 IN (r.dm_a, r.dm_b)
             ORDER BY r.created_at, r.id";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        // One snapshot for the markers and every count.
        let mut tx = super::messages::snapshot(client)?;
        let markers = prepared.query(&mut tx, MARKERS, &[&user.0]).map_err(internal)?;
        let mut states = Vec::with_capacity(markers.len());
        for row in markers {
            let (room, after): (i64, i64) = (row.try_get(0).map_err(internal)?, row.try_get(1).map_err(internal)?);
            states.push(counts(&mut tx, prepared, user, RoomId(room), after)?);
        }
        tx.commit().map_err(internal)?;
        Ok(states)
    }
}
