//! The room event log in PostgreSQL: `EventStore`, and appending a change to the log.

use chrono::{DateTime, Utc};
use postgres::GenericClient;

use super::connect::internal;
use super::messages::with_reactions;
use super::pool::Prepared;
use super::rows::{message_columns, message_from_row_at};
use super::PostgresStore;
use crate::domain::{MessageId, RoomId};
use crate::events::RoomEvent;
use crate::store::{EventStore, LoggedMessage, StoreError};

impl EventStore for PostgresStore {
    fn events_after(&self, room: RoomId, after: i64, limit: u32) -> Result<Vec<RoomEvent>, StoreError> {
        const SQL: &str = concat!(
            "SELECT e.room_id, e.seq, e.kind, e.data, e.message_id, m.id IS NOT NULL AND m.deleted_at IS NULL, ",
            message_columns!(),
            " FROM room_events e
             LEFT JOIN messages m ON m.id = e.message_id
             LEFT JOIN users u ON u.id = m.user_id
             LEFT JOIN messages r ON r.id = m.reply_to_id LEFT JOIN users ru ON ru.id = r.user_id
             WHERE e.room_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3"
        );
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let found = prepared.query(client, SQL, &[&room.0, &after, &i64::from(limit)]).map_err(internal)?;
        let mut parts = Vec::with_capacity(found.len());
        for r in &found {
            let message_id: Option<i64> = r.try_get(4).map_err(internal)?;
            let current = match r.try_get::<_, Option<bool>>(5).map_err(internal)? {
                Some(true) => Some(message_from_row_at(r, 6).map_err(internal)?),
                _ => None,
            };
            parts.push((
                RoomId(r.try_get(0).map_err(internal)?),
                r.try_get::<_, i64>(1).map_err(internal)?,
                r.try_get::<_, String>(2).map_err(internal)?,
                r.try_get::<_, Option<String>>(3).map_err(internal)?,
                message_id.map(|id| (MessageId(id), current)),
            ));
        }
        // The replayed messages' reactions, read for all of them at once.
        let messages: Vec<_> = parts.iter().filter_map(|p| p.4.as_ref()?.1.clone()).collect();
        let mut messages = with_reactions(client, prepared, messages, None).map_err(internal)?.into_iter();
        parts
            .into_iter()
            .map(|(room_id, seq, kind, data, message)| {
                let message =
                    message.map(|(id, current)| LoggedMessage { id, current: current.and_then(|_| messages.next()) });
                crate::store::event_from_parts(room_id, seq, &kind, data, message)
            })
            .collect()
    }
}

/// Appends a change to the log (inside the change's transaction).
pub(super) fn log_event(
    c: &mut impl GenericClient,
    prepared: &mut Prepared,
    event: &RoomEvent,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    const LOG: &str = "INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)";
    let (message_id, data) = crate::store::event_columns(&event.change)?;
    prepared
        .execute(c, LOG, &[&event.room_id.0, &event.seq, &event.change.kind(), &message_id, &data, &now])
        .map_err(internal)?;
    Ok(())
}
