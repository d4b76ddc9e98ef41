//! The room event log in SQLite: `EventStore`, and appending a change to the log.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::messages::with_reactions;
use super::rows::{internal, message_columns, message_from_row_at, micros};
use super::SqliteStore;
use crate::domain::{MessageId, RoomId};
use crate::events::RoomEvent;
use crate::store::{EventStore, LoggedMessage, StoreError};

impl EventStore for SqliteStore {
    fn events_after(&self, room: RoomId, after: i64, limit: u32) -> Result<Vec<RoomEvent>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(concat!(
                "SELECT e.room_id, e.seq, e.kind, e.data, e.message_id, m.id IS NOT NULL AND m.deleted_at IS NULL, ",
                message_columns!(),
                " FROM room_events e
                 LEFT JOIN messages m ON m.id = e.message_id
                 LEFT JOIN users u ON u.id = m.user_id
                 LEFT JOIN messages r ON r.id = m.reply_to_id LEFT JOIN users ru ON ru.id = r.user_id
                 WHERE e.room_id = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3"
            ))
            .map_err(internal)?;
        let rows = stmt
            .query_map(params![room.0, after, limit], |r| {
                let kind: String = r.get(2)?;
                let data: Option<String> = r.get(3)?;
                let message_id: Option<i64> = r.get(4)?;
                let live: Option<bool> = r.get(5)?;
                let current = match live {
                    Some(true) => Some(message_from_row_at(r, 6)?),
                    _ => None,
                };
                let message = message_id.map(|id| (MessageId(id), current));
                Ok((RoomId(r.get(0)?), r.get::<_, i64>(1)?, kind, data, message))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(internal)?;
        // The replayed messages' reactions, read for all of them at once.
        let messages: Vec<_> = rows.iter().filter_map(|row| row.4.as_ref()?.1.clone()).collect();
        let mut messages = with_reactions(&conn, messages, None)?.into_iter();
        rows.into_iter()
            .map(|(room_id, seq, kind, data, message)| {
                let message =
                    message.map(|(id, current)| LoggedMessage { id, current: current.and_then(|_| messages.next()) });
                crate::store::event_from_parts(room_id, seq, &kind, data, message)
            })
            .collect()
    }
}

/// Appends a change to the log (inside the change's transaction).
pub(super) fn log_event(conn: &Connection, event: &RoomEvent, now: DateTime<Utc>) -> Result<(), StoreError> {
    let (message_id, data) = crate::store::event_columns(&event.change)?;
    conn.prepare_cached(
        "INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![event.room_id.0, event.seq, event.change.kind(), message_id, data, micros(now)])
    })
    .map_err(internal)?;
    Ok(())
}
