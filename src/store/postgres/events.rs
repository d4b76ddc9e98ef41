//! The room event log in PostgreSQL: `EventStore`.

use super::connect::internal;
use super::rows::message_from_row_at;
use super::PostgresStore;
use crate::domain::RoomId;
use crate::events::RoomEvent;
use crate::store::{EventStore, StoreError};

impl EventStore for PostgresStore {
    fn events_after(&self, room: RoomId, after: i64, limit: u32) -> Result<Vec<RoomEvent>, StoreError> {
        const SQL: &str = "SELECT e.room_id, e.seq, e.kind, e.data,
                m.id, m.room_id, m.content, m.created_at, m.client_id, m.seq, u.id, u.username, u.city
             FROM room_events e
             LEFT JOIN messages m ON m.id = e.message_id
             LEFT JOIN users u ON u.id = m.user_id
             WHERE e.room_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let found = prepared.query(client, SQL, &[&room.0, &after, &i64::from(limit)]).map_err(internal)?;
        found
            .iter()
            .map(|r| {
                let message = match r.try_get::<_, Option<i64>>(4).map_err(internal)? {
                    Some(_) => Some(message_from_row_at(r, 4).map_err(internal)?),
                    None => None,
                };
                crate::store::event_from_parts(
                    RoomId(r.try_get(0).map_err(internal)?),
                    r.try_get(1).map_err(internal)?,
                    r.try_get::<_, &str>(2).map_err(internal)?,
                    r.try_get(3).map_err(internal)?,
                    message,
                )
            })
            .collect()
    }
}
