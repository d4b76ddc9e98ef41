//! Read markers in PostgreSQL: `ReadStateStore`, and the writer's moves of many markers in one
//! statement. The unread counts walk the room's `(room_id, id)` index from the marker, at most
//! `COUNT_WINDOW` messages.

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

/// One read marker of a writer's batch ([`crate::store::Write::MarkRead`]).
pub(super) struct Mark {
    pub(super) user: UserId,
    pub(super) room: RoomId,
    pub(super) message: MessageId,
    pub(super) at: DateTime<Utc>,
    /// Whether the counts after the marker are wanted.
    pub(super) counted: bool,
    /// Messages from this id on are not counted (they came after the marker in its batch).
    pub(super) below: Option<MessageId>,
}

/// Moves several markers inside the writer's transaction `c`, in one statement (one round
/// trip however many): each marker whose message is a live message of its room moves forward
/// when it is behind it, and is counted after its new place when asked. No two `marks` may be
/// for the same user and room (one statement cannot update a row twice); the caller splits
/// such runs. Outcomes come in the order of `marks`.
pub(super) fn mark_all(
    c: &mut impl GenericClient,
    prepared: &mut Prepared,
    marks: &[Mark],
) -> Result<Vec<MarkRead>, StoreError> {
    // `live`: the marks whose message is there; `moved`: the markers the upsert moved. The
    // counts walk the room's index from each moved marker, as `COUNTS` does, and are skipped
    // (a false one-time filter) for the rest. The upsert's rows are invisible to this
    // statement's reads, which need none of them: the counts read `messages` only.
    const MARK_ALL: &str = "WITH input AS (
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::BIGINT[], $4::TIMESTAMPTZ[], $5::BOOL[], $7::BIGINT[])
                 WITH ORDINALITY AS t(user_id, room_id, message_id, at, counted, below, ord)),
         live AS (
             SELECT i.* FROM input i
             WHERE EXISTS (SELECT 1 FROM messages m
                           WHERE m.id = i.message_id AND m.room_id = i.room_id AND m.deleted_at IS NULL)),
         moved AS (
             INSERT INTO read_states (user_id, room_id, last_read_id, updated_at)
             SELECT user_id, room_id, message_id, at FROM live
             ON CONFLICT (user_id, room_id) DO UPDATE
             SET last_read_id = excluded.last_read_id, updated_at = excluded.updated_at
             WHERE excluded.last_read_id > read_states.last_read_id
             RETURNING user_id, room_id)
         SELECT l.ord IS NOT NULL, mv.user_id IS NOT NULL, counts.unread, counts.mentions
         FROM input i
         LEFT JOIN live l ON l.ord = i.ord
         LEFT JOIN moved mv ON mv.user_id = i.user_id AND mv.room_id = i.room_id
         LEFT JOIN LATERAL (
             SELECT count(*) AS unread,
                    count(*) FILTER (WHERE ',' || unread.mentions || ',' LIKE '%,' || i.user_id || ',%') AS mentions
             FROM (SELECT m.mentions FROM messages m
                   WHERE mv.user_id IS NOT NULL AND i.counted
                     AND m.room_id = i.room_id AND m.id > i.message_id AND m.id < i.below AND m.user_id <> i.user_id
                     AND m.deleted_at IS NULL
                   ORDER BY m.id LIMIT $6) AS unread) counts ON mv.user_id IS NOT NULL AND i.counted
         ORDER BY i.ord";
    let column = |f: fn(&Mark) -> i64| marks.iter().map(f).collect::<Vec<i64>>();
    let (users, rooms, messages) = (column(|m| m.user.0), column(|m| m.room.0), column(|m| m.message.0));
    let ats: Vec<DateTime<Utc>> = marks.iter().map(|m| m.at).collect();
    let counted: Vec<bool> = marks.iter().map(|m| m.counted).collect();
    let below = column(|m| m.below.map_or(i64::MAX, |b| b.0));
    let found = prepared
        .query(c, MARK_ALL, &[&users, &rooms, &messages, &ats, &counted, &COUNT_WINDOW, &below])
        .map_err(internal)?;
    if found.len() != marks.len() {
        return Err(StoreError::Internal(
            format!("{} read markers were answered with {} rows", marks.len(), found.len()).into(),
        ));
    }
    marks
        .iter()
        .zip(&found)
        .map(|(mark, row)| {
            let (live, moved): (bool, bool) = (row.try_get(0).map_err(internal)?, row.try_get(1).map_err(internal)?);
            Ok(match (live, moved, mark.counted) {
                (false, _, _) => MarkRead::MessageNotFound,
                (true, false, _) => MarkRead::Unchanged,
                (true, true, false) => MarkRead::MovedUncounted,
                (true, true, true) => {
                    let (unread, mentions): (i64, i64) =
                        (row.try_get(2).map_err(internal)?, row.try_get(3).map_err(internal)?);
                    MarkRead::Moved(read_state(mark.room, mark.message.0, unread, mentions))
                }
            })
        })
        .collect()
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
