//! Rooms in PostgreSQL: `RoomStore`, including the default room that instances starting
//! together agree on.

use chrono::{DateTime, Utc};

use super::connect::{internal, write_error};
use super::migrations::DEFAULT_ROOM_LOCK;
use super::rows::{room_columns, room_from_row, rows, ROOM_COLUMN_COUNT};
use super::PostgresStore;
use crate::cities::CityId;
use crate::domain::{Room, RoomDescription, RoomId, RoomName, UserId};
use crate::events::{Change, RoomEvent};
use crate::store::{Conflict, RoomStore, StoreError};

impl RoomStore for PostgresStore {
    fn ensure_default_room(&self, name: &RoomName, now: DateTime<Utc>) -> Result<Room, StoreError> {
        let mut conn = self.connection()?;
        let mut tx = conn.client().transaction().map_err(internal)?;
        // Instances starting together must not both create (or adopt) the default room.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DEFAULT_ROOM_LOCK]).map_err(internal)?;
        let existing =
            tx.query_opt(concat!("SELECT ", room_columns!(), " FROM rooms WHERE is_default"), &[]).map_err(internal)?;
        let row = match existing {
            Some(row) => row,
            None => {
                let adopted = tx
                    .query_opt(
                        concat!("UPDATE rooms SET is_default = TRUE WHERE name_key = $1 RETURNING ", room_columns!()),
                        &[&name.key()],
                    )
                    .map_err(internal)?;
                match adopted {
                    Some(row) => row,
                    None => tx
                        .query_one(
                            concat!(
                                "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at)
                                 VALUES ($1, $2, '', NULL, TRUE, $3) RETURNING ",
                                room_columns!()
                            ),
                            &[&name.as_str(), &name.key(), &now],
                        )
                        .map_err(internal)?,
                }
            }
        };
        let room = room_from_row(&row).map_err(internal)?;
        tx.commit().map_err(internal)?;
        Ok(room)
    }

    fn list_rooms(&self) -> Result<Vec<Room>, StoreError> {
        const SQL: &str = concat!("SELECT ", room_columns!(), " FROM rooms WHERE dm_a IS NULL ORDER BY created_at, id");
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        rows(prepared.query(client, SQL, &[]).map_err(internal)?, room_from_row)
    }

    fn get_room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        const SQL: &str = concat!("SELECT ", room_columns!(), " FROM rooms WHERE id = $1");
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query_opt(client, SQL, &[&id.0])
            .and_then(|row| row.as_ref().map(room_from_row).transpose())
            .map_err(internal)
    }

    fn create_room(
        &self,
        name: &RoomName,
        description: &RoomDescription,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Room, StoreError> {
        const SQL: &str = concat!(
            "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at)
             VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING ",
            room_columns!()
        );
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let row = prepared
            .query_one(client, SQL, &[&name.as_str(), &name.key(), &description.as_str(), &by.0, &now])
            .map_err(|e| write_error(e, Conflict::RoomName))?;
        room_from_row(&row).map_err(internal)
    }

    fn update_room(
        &self,
        id: RoomId,
        name: Option<&RoomName>,
        description: Option<&RoomDescription>,
        now: DateTime<Utc>,
    ) -> Result<(Room, i64), StoreError> {
        const UPDATE: &str = concat!(
            "UPDATE rooms SET name = COALESCE($2, name), name_key = COALESCE($3, name_key),
                              description = COALESCE($4, description), last_seq = last_seq + 1
             WHERE id = $1 RETURNING ",
            room_columns!(),
            ", last_seq"
        );
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let mut tx = client.transaction().map_err(internal)?;
        let row = prepared
            .query_opt(
                &mut tx,
                UPDATE,
                &[
                    &id.0,
                    &name.map(RoomName::as_str),
                    &name.map(RoomName::key),
                    &description.map(RoomDescription::as_str),
                ],
            )
            .map_err(|e| write_error(e, Conflict::RoomName))?
            .ok_or(StoreError::NotFound)?;
        let room = room_from_row(&row).map_err(internal)?;
        let seq: i64 = row.try_get(ROOM_COLUMN_COUNT).map_err(internal)?;
        let event = RoomEvent { room_id: id, seq, change: Change::RoomUpdated { room: room.clone() } };
        super::events::log_event(&mut tx, prepared, &event, now)?;
        tx.commit().map_err(internal)?;
        Ok((room, seq))
    }

    fn room_seq(&self, id: RoomId) -> Result<Option<i64>, StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query_opt(client, "SELECT last_seq FROM rooms WHERE id = $1", &[&id.0])
            .and_then(|row| row.map(|r| r.try_get(0)).transpose())
            .map_err(internal)
    }

    fn delete_room(&self, id: RoomId) -> Result<(), StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let deleted = prepared.execute(client, "DELETE FROM rooms WHERE id = $1", &[&id.0]).map_err(internal)?;
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
        const EXISTING: &str = concat!("SELECT ", room_columns!(), " FROM rooms WHERE city_id = $1");
        const INSERT: &str = concat!(
            "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at, city_id)
             VALUES ($1, $2, '', NULL, FALSE, $3, $4)
             ON CONFLICT (city_id) WHERE city_id IS NOT NULL DO NOTHING RETURNING ",
            room_columns!()
        );
        let city_id = city_column(city);
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        // Read first: opening a city room that exists, the common case, writes nothing.
        if let Some(row) = prepared.query_opt(client, EXISTING, &[&city_id]).map_err(internal)? {
            return Ok((room_from_row(&row).map_err(internal)?, false));
        }
        // Each insert is a statement of its own: a room of this city made meanwhile (by another
        // request, on any instance) makes it do nothing, and then it is read. A room that took
        // the name meanwhile may be this very city's, made by a racing request: the fallback's
        // insert then does nothing either.
        for name in [name, fallback] {
            match prepared.query_opt(client, INSERT, &[&name.as_str(), &name.key(), &now, &city_id]) {
                Ok(Some(row)) => return Ok((room_from_row(&row).map_err(internal)?, true)),
                Ok(None) => break,
                Err(e) => match write_error(e, Conflict::RoomName) {
                    StoreError::Conflict(Conflict::RoomName) => continue,
                    e => return Err(e),
                },
            }
        }
        match prepared.query_opt(client, EXISTING, &[&city_id]).map_err(internal)? {
            Some(row) => Ok((room_from_row(&row).map_err(internal)?, false)),
            None => Err(StoreError::Conflict(Conflict::RoomName)),
        }
    }
}

/// A city's id as its `BIGINT` columns hold it.
pub(super) fn city_column(city: CityId) -> i64 {
    i64::from(city.0)
}
