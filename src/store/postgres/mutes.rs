//! Muted rooms in PostgreSQL: `MuteStore` over `room_mutes` (migration 013).

use chrono::{DateTime, Utc};

use super::connect::{internal, write_error};
use super::PostgresStore;
use crate::domain::{RoomId, UserId};
use crate::store::{Conflict, MuteStore, StoreError};

impl MuteStore for PostgresStore {
    fn set_muted(&self, user: UserId, room: RoomId, muted: bool, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let changed = if muted {
            // A room deleted meanwhile breaks the foreign key: not found.
            prepared
                .execute(
                    client,
                    "INSERT INTO room_mutes (user_id, room_id, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT (user_id, room_id) DO NOTHING",
                    &[&user.0, &room.0, &now],
                )
                .map_err(|e| write_error(e, Conflict::RoomName))?
        } else {
            prepared
                .execute(client, "DELETE FROM room_mutes WHERE user_id = $1 AND room_id = $2", &[&user.0, &room.0])
                .map_err(internal)?
        };
        Ok(changed > 0)
    }

    fn muted_rooms(&self, user: UserId) -> Result<Vec<RoomId>, StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let rows = prepared
            .query(client, "SELECT room_id FROM room_mutes WHERE user_id = $1 ORDER BY room_id", &[&user.0])
            .map_err(internal)?;
        rows.iter().map(|r| r.try_get(0).map(RoomId)).collect::<Result<_, _>>().map_err(internal)
    }
}
