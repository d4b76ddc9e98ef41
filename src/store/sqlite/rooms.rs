//! Rooms in SQLite: `RoomStore`, and the room look-ups other parts of the backend share.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::events::log_event;
use super::rows::{internal, micros, room_from_row, write_error, ROOM_COLUMNS, ROOM_COLUMN_COUNT};
use super::SqliteStore;
use crate::cities::CityId;
use crate::domain::{Room, RoomDescription, RoomId, RoomName, UserId};
use crate::events::{Change, RoomEvent};
use crate::store::{Conflict, RoomStore, StoreError};

pub(super) fn get_room(conn: &Connection, id: RoomId) -> Result<Option<Room>, StoreError> {
    conn.prepare_cached(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE id = ?1"))
        .and_then(|mut s| s.query_row([id.0], room_from_row).optional())
        .map_err(internal)
}

impl RoomStore for SqliteStore {
    fn ensure_default_room(&self, name: &RoomName, now: DateTime<Utc>) -> Result<Room, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
        let existing = tx
            .query_row(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE is_default = 1"), [], room_from_row)
            .optional()
            .map_err(internal)?;
        let room = match existing {
            Some(room) => room,
            None => {
                let adopted = tx
                    .query_row(
                        &format!("UPDATE rooms SET is_default = 1 WHERE name_key = ?1 RETURNING {ROOM_COLUMNS}"),
                        [name.key()],
                        room_from_row,
                    )
                    .optional()
                    .map_err(internal)?;
                match adopted {
                    Some(room) => room,
                    None => tx
                        .query_row(
                            &format!(
                                "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at)
                                 VALUES (?1, ?2, '', NULL, 1, ?3) RETURNING {ROOM_COLUMNS}"
                            ),
                            params![name.as_str(), name.key(), micros(now)],
                            room_from_row,
                        )
                        .map_err(internal)?,
                }
            }
        };
        tx.commit().map_err(internal)?;
        Ok(room)
    }

    fn list_rooms(&self) -> Result<Vec<Room>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE dm_a IS NULL ORDER BY created_at, id"))
            .map_err(internal)?;
        let rooms = stmt.query_map([], room_from_row).and_then(|rows| rows.collect()).map_err(internal);
        rooms
    }

    fn get_room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        get_room(&*self.conn()?, id)
    }

    fn create_room(
        &self,
        name: &RoomName,
        description: &RoomDescription,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Room, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(&format!(
            "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5) RETURNING {ROOM_COLUMNS}"
        ))
        .and_then(|mut s| {
            s.query_row(params![name.as_str(), name.key(), description.as_str(), by.0, micros(now)], room_from_row)
        })
        .map_err(|e| write_error(e, Conflict::RoomName))
    }

    fn update_room(
        &self,
        id: RoomId,
        name: Option<&RoomName>,
        description: Option<&RoomDescription>,
        now: DateTime<Utc>,
    ) -> Result<(Room, i64), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
        let (room, seq) = tx
            .prepare_cached(&format!(
                "UPDATE rooms SET name = COALESCE(?2, name), name_key = COALESCE(?3, name_key),
                                  description = COALESCE(?4, description), last_seq = last_seq + 1
                 WHERE id = ?1 RETURNING {ROOM_COLUMNS}, last_seq"
            ))
            .and_then(|mut s| {
                s.query_row(
                    params![
                        id.0,
                        name.map(RoomName::as_str),
                        name.map(RoomName::key),
                        description.map(RoomDescription::as_str)
                    ],
                    |r| Ok((room_from_row(r)?, r.get::<_, i64>(ROOM_COLUMN_COUNT)?)),
                )
                .optional()
            })
            .map_err(|e| write_error(e, Conflict::RoomName))?
            .ok_or(StoreError::NotFound)?;
        let event = RoomEvent { room_id: id, seq, change: Change::RoomUpdated { room: room.clone() } };
        log_event(&tx, &event, now)?;
        tx.commit().map_err(internal)?;
        Ok((room, seq))
    }

    fn room_seq(&self, id: RoomId) -> Result<Option<i64>, StoreError> {
        room_seq(&*self.conn()?, id)
    }

    fn delete_room(&self, id: RoomId) -> Result<(), StoreError> {
        let conn = self.conn()?;
        let deleted = conn
            .prepare_cached("DELETE FROM rooms WHERE id = ?1")
            .and_then(|mut s| s.execute([id.0]))
            .map_err(internal)?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    fn city_room(
        &self,
        city: CityId,
        name: &RoomName,
        fallback: &RoomName,
        now: DateTime<Utc>,
    ) -> Result<(Room, bool), StoreError> {
        // Read first: opening a city room that exists, the common case, writes nothing.
        if let Some(room) = city_room_of(&*self.conn()?, city)? {
            return Ok((room, false));
        }
        let mut conn = self.conn()?;
        // Immediate: the second look-up and the insert are one step for every other writer.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
        if let Some(room) = city_room_of(&tx, city)? {
            return Ok((room, false));
        }
        let mut insert = tx
            .prepare_cached(&format!(
                "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at, city_id)
                 VALUES (?1, ?2, '', NULL, 0, ?3, ?4) RETURNING {ROOM_COLUMNS}"
            ))
            .map_err(internal)?;
        let mut created = None;
        for name in [name, fallback] {
            // A failed statement leaves the transaction as it was: the fallback is tried in it.
            match insert.query_row(params![name.as_str(), name.key(), micros(now), city.0], room_from_row) {
                Ok(room) => {
                    created = Some(room);
                    break;
                }
                Err(e) => match write_error(e, Conflict::RoomName) {
                    StoreError::Conflict(Conflict::RoomName) => continue,
                    e => return Err(e),
                },
            }
        }
        drop(insert);
        let room = created.ok_or(StoreError::Conflict(Conflict::RoomName))?;
        tx.commit().map_err(internal)?;
        Ok((room, true))
    }
}

/// The room of a city, if it has one.
fn city_room_of(conn: &Connection, city: CityId) -> Result<Option<Room>, StoreError> {
    conn.prepare_cached(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE city_id = ?1"))
        .and_then(|mut s| s.query_row([city.0], room_from_row).optional())
        .map_err(internal)
}

pub(super) fn room_seq(conn: &Connection, id: RoomId) -> Result<Option<i64>, StoreError> {
    conn.prepare_cached("SELECT last_seq FROM rooms WHERE id = ?1")
        .and_then(|mut s| s.query_row([id.0], |r| r.get(0)).optional())
        .map_err(internal)
}
