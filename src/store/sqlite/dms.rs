//! Direct conversations in SQLite: `DmStore`. A conversation is a room naming its two people
//! (`dm_a` < `dm_b`, migration 009) under a `name_key` made from the pair.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::messages::with_reactions;
use super::rows::{
    internal, message_from_row, micros, room_from_row, user_from_row, MESSAGE_SELECT, ROOM_COLUMNS, ROOM_COLUMN_COUNT,
};
use super::SqliteStore;
use crate::domain::{Room, User, UserId};
use crate::store::{Conversation, DmStore, StoreError};

/// The two users of a pair that exist, lower id first.
fn pair_users(conn: &Connection, [a, b]: [UserId; 2]) -> Result<Vec<User>, StoreError> {
    conn.prepare_cached(
        "SELECT id, username, city, avatar_version, city_id, city_privacy FROM users WHERE id IN (?1, ?2) ORDER BY id",
    )
    .and_then(|mut s| s.query_map(params![a.0, b.0], |r| user_from_row(r, 0))?.collect())
    .map_err(internal)
}

/// A conversation's room with its members filled.
fn with_members(conn: &Connection, mut room: Room) -> Result<Room, StoreError> {
    if let Some(pair) = room.dm {
        room.members = pair_users(conn, pair)?;
    }
    Ok(room)
}

impl DmStore for SqliteStore {
    fn open_dm(&self, a: UserId, b: UserId, now: DateTime<Utc>) -> Result<(Room, bool), StoreError> {
        let (low, high) = if a.0 < b.0 { (a, b) } else { (b, a) };
        let key = Room::dm_key(a, b);
        let mut conn = self.conn()?;
        // Immediate: the look-up and the insert are one step for every other writer.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
        let existing = tx
            .prepare_cached(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE name_key = ?1"))
            .and_then(|mut s| s.query_row([&key], room_from_row).optional())
            .map_err(internal)?;
        let (room, created) = match existing {
            Some(room) => (room, false),
            None => {
                if pair_users(&tx, [low, high])?.len() < 2 {
                    return Err(StoreError::NotFound);
                }
                let room = tx
                    .prepare_cached(&format!(
                        "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at, dm_a, dm_b)
                         VALUES ('', ?1, '', NULL, 0, ?2, ?3, ?4) RETURNING {ROOM_COLUMNS}"
                    ))
                    .and_then(|mut s| s.query_row(params![key, micros(now), low.0, high.0], room_from_row))
                    .map_err(internal)?;
                (room, true)
            }
        };
        let room = with_members(&tx, room)?;
        tx.commit().map_err(internal)?;
        Ok((room, created))
    }

    fn dms(&self, user: UserId) -> Result<Vec<Conversation>, StoreError> {
        let mut conn = self.conn()?;
        // One snapshot for the rooms, their people and their newest messages.
        let tx = conn.transaction().map_err(internal)?;
        let found: Vec<(Room, Option<i64>)> = tx
            .prepare_cached(&format!(
                "SELECT {ROOM_COLUMNS},
                        (SELECT max(m.id) FROM messages m WHERE m.room_id = rooms.id AND m.deleted_at IS NULL)
                 FROM rooms WHERE dm_a = ?1 OR dm_b = ?1"
            ))
            .and_then(|mut s| s.query_map([user.0], |r| Ok((room_from_row(r)?, r.get(ROOM_COLUMN_COUNT)?)))?.collect())
            .map_err(internal)?;
        let mut list = Vec::with_capacity(found.len());
        for (room, newest) in found {
            let room = with_members(&tx, room)?;
            let last_message = match newest {
                None => None,
                Some(id) => tx
                    .prepare_cached(&format!("{MESSAGE_SELECT} WHERE m.id = ?1"))
                    .and_then(|mut s| s.query_row([id], message_from_row).optional())
                    .map_err(internal)?,
            };
            let last_message = with_reactions(&tx, last_message.into_iter().collect(), Some(user))?.pop();
            list.extend(Conversation::of(room, user, last_message));
        }
        tx.commit().map_err(internal)?;
        Conversation::sort(&mut list);
        Ok(list)
    }

    fn with_members(&self, room: Room) -> Result<Room, StoreError> {
        with_members(&*self.conn()?, room)
    }

    fn dm_peers(&self, user: UserId) -> Result<Vec<UserId>, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("SELECT dm_b FROM rooms WHERE dm_a = ?1 UNION SELECT dm_a FROM rooms WHERE dm_b = ?1")
            .and_then(|mut s| s.query_map([user.0], |r| r.get(0).map(UserId))?.collect())
            .map_err(internal)
    }
}
