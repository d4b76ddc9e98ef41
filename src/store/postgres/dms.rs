//! Direct conversations in PostgreSQL: `DmStore`. A conversation is a room naming its two
//! people (`dm_a` < `dm_b`, migration 009) under a `name_key` made from the pair, whose unique
//! constraint makes two instances starting the same conversation at once agree on one.

use chrono::{DateTime, Utc};
use postgres::GenericClient;

use super::connect::{internal, write_error};
use super::messages::with_reactions;
use super::pool::Prepared;
use super::rows::{
    message_columns, message_from_row, message_select, room_columns, room_from_row, user_from_row, ROOM_COLUMN_COUNT,
};
use super::PostgresStore;
use crate::domain::{Room, UserId};
use crate::store::{Conflict, Conversation, DmStore, StoreError};

/// A conversation's room with its members filled.
fn with_members(c: &mut impl GenericClient, prepared: &mut Prepared, mut room: Room) -> Result<Room, StoreError> {
    if let Some([a, b]) = room.dm {
        let rows = prepared
            .query(
                c,
                "SELECT id, username, city, avatar_version, city_id, city_privacy FROM users WHERE id IN ($1, $2) ORDER BY id",
                &[&a.0, &b.0],
            )
            .map_err(internal)?;
        room.members = rows.iter().map(|r| user_from_row(r, 0)).collect::<Result<_, _>>().map_err(internal)?;
    }
    Ok(room)
}

impl DmStore for PostgresStore {
    fn open_dm(&self, a: UserId, b: UserId, now: DateTime<Utc>) -> Result<(Room, bool), StoreError> {
        const INSERT: &str = concat!(
            "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at, dm_a, dm_b)
             VALUES ('', $1, '', NULL, FALSE, $2, $3, $4) ON CONFLICT (name_key) DO NOTHING RETURNING ",
            room_columns!()
        );
        const EXISTING: &str = concat!("SELECT ", room_columns!(), " FROM rooms WHERE name_key = $1");
        let (low, high) = if a.0 < b.0 { (a, b) } else { (b, a) };
        let key = Room::dm_key(a, b);
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        // Read first: opening an existing conversation, the common case, writes nothing.
        let (row, created) = match prepared.query_opt(client, EXISTING, &[&key]).map_err(internal)? {
            Some(row) => (row, false),
            // A missing user breaks a foreign key: not found. A conversation made meanwhile (by
            // another request, on any instance) makes the insert do nothing: read it then.
            None => match prepared
                .query_opt(client, INSERT, &[&key, &now, &low.0, &high.0])
                .map_err(|e| write_error(e, Conflict::RoomName))?
            {
                Some(row) => (row, true),
                None => (prepared.query_one(client, EXISTING, &[&key]).map_err(internal)?, false),
            },
        };
        let room = room_from_row(&row).map_err(internal)?;
        Ok((with_members(client, prepared, room)?, created))
    }

    fn dms(&self, user: UserId) -> Result<Vec<Conversation>, StoreError> {
        const ROOMS: &str = concat!(
            "SELECT ",
            room_columns!(),
            ", (SELECT max(m.id) FROM messages m WHERE m.room_id = rooms.id AND m.deleted_at IS NULL)
             FROM rooms WHERE dm_a = $1 OR dm_b = $1"
        );
        const MESSAGE: &str = concat!(message_select!(), " WHERE m.id = $1");
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        // One snapshot for the rooms, their people and their newest messages.
        let mut tx = super::messages::snapshot(client)?;
        let found = prepared.query(&mut tx, ROOMS, &[&user.0]).map_err(internal)?;
        let mut list = Vec::with_capacity(found.len());
        for row in &found {
            let room = with_members(&mut tx, prepared, room_from_row(row).map_err(internal)?)?;
            let newest: Option<i64> = row.try_get(ROOM_COLUMN_COUNT).map_err(internal)?;
            let last_message = match newest {
                None => Vec::new(),
                Some(id) => prepared
                    .query(&mut tx, MESSAGE, &[&id])
                    .map_err(internal)?
                    .iter()
                    .map(message_from_row)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(internal)?,
            };
            let last_message = with_reactions(&mut tx, prepared, last_message, Some(user)).map_err(internal)?.pop();
            list.extend(Conversation::of(room, user, last_message));
        }
        tx.commit().map_err(internal)?;
        Conversation::sort(&mut list);
        Ok(list)
    }

    fn with_members(&self, room: Room) -> Result<Room, StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        with_members(client, prepared, room)
    }

    fn dm_peers(&self, user: UserId) -> Result<Vec<UserId>, StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let rows = prepared
            .query(
                client,
                "SELECT dm_b FROM rooms WHERE dm_a = $1 UNION SELECT dm_a FROM rooms WHERE dm_b = $1",
                &[&user.0],
            )
            .map_err(internal)?;
        rows.iter().map(|r| r.try_get::<_, i64>(0).map(UserId)).collect::<Result<_, _>>().map_err(internal)
    }
}
