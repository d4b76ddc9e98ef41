//! The room event log in SQLite: `EventStore`, and appending a change to the log.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::rows::{internal, message_from_row_at, micros};
use super::SqliteStore;
use crate::domain::RoomId;
use crate::events::RoomEvent;
use crate::store::{EventStore, StoreError};

impl EventStore for SqliteStore {
    fn events_after(&self, room: RoomId, after: i64, limit: u32) -> Result<Vec<RoomEvent>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT e.room_id, e.seq, e.kind, e.data,
                        m.id, m.room_id, m.content, m.created_at, m.client_id, m.seq, u.id, u.username, u.city
                 FROM room_events e
                 LEFT JOIN messages m ON m.id = e.message_id
                 LEFT JOIN users u ON u.id = m.user_id
                 WHERE e.room_id = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3",
            )
            .map_err(internal)?;
        let rows = stmt
            .query_map(params![room.0, after, limit], |r| {
                let kind: String = r.get(2)?;
                let data: Option<String> = r.get(3)?;
                let message = match r.get::<_, Option<i64>>(4)? {
                    Some(_) => Some(message_from_row_at(r, 4)?),
                    None => None,
                };
                Ok((RoomId(r.get(0)?), r.get::<_, i64>(1)?, kind, data, message))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(internal)?;
        rows.into_iter()
            .map(|(room_id, seq, kind, data, message)| {
                crate::store::event_from_parts(room_id, seq, &kind, data, message)
            })
            .collect()
    }
}

/// Appends a room change other than a new message to the log (inside the change's transaction).
pub(super) fn log_event(conn: &Connection, event: &RoomEvent, now: DateTime<Utc>) -> Result<(), StoreError> {
    let data = crate::store::event_data(&event.change)?;
    conn.prepare_cached(
        "INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at) VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
    )
    .and_then(|mut s| s.execute(params![event.room_id.0, event.seq, event.change.kind(), data, micros(now)]))
    .map_err(internal)?;
    Ok(())
}
