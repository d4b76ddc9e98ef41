//! Muted rooms in SQLite: `MuteStore` over `room_mutes` (migration 013).

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::rows::{internal, micros, write_error};
use super::SqliteStore;
use crate::domain::{RoomId, UserId};
use crate::store::{Conflict, MuteStore, StoreError};

impl MuteStore for SqliteStore {
    fn set_muted(&self, user: UserId, room: RoomId, muted: bool, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let conn = self.conn()?;
        let changed = if muted {
            // A room deleted meanwhile breaks the foreign key: not found.
            conn.prepare_cached(
                "INSERT INTO room_mutes (user_id, room_id, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id, room_id) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![user.0, room.0, micros(now)]))
            .map_err(|e| write_error(e, Conflict::RoomName))?
        } else {
            conn.prepare_cached("DELETE FROM room_mutes WHERE user_id = ?1 AND room_id = ?2")
                .and_then(|mut s| s.execute(params![user.0, room.0]))
                .map_err(internal)?
        };
        Ok(changed > 0)
    }

    fn muted_rooms(&self, user: UserId) -> Result<Vec<RoomId>, StoreError> {
        let conn = self.conn()?;
        let rooms = conn
            .prepare_cached("SELECT room_id FROM room_mutes WHERE user_id = ?1 ORDER BY room_id")
            .and_then(|mut s| s.query_map([user.0], |r| Ok(RoomId(r.get(0)?)))?.collect())
            .map_err(internal);
        rooms
    }
}
