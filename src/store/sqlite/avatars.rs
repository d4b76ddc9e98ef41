//! Avatars in SQLite: `AvatarStore`. The picture and the version on the user's row change in
//! one transaction, so a user read never names a picture that is not there.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{internal, micros, user_from_row};
use super::SqliteStore;
use crate::domain::{AvatarSize, AvatarVersion, User, UserId};
use crate::store::{AvatarStore, NewAvatar, StoreError, StoredAvatar};

/// The user as they are now; `NotFound` when there is none.
fn user(conn: &Connection, id: UserId) -> Result<User, StoreError> {
    conn.prepare_cached("SELECT id, username, city, avatar_version, city_id, city_privacy FROM users WHERE id = ?1")
        .and_then(|mut s| s.query_row([id.0], |r| user_from_row(r, 0)).optional())
        .map_err(internal)?
        .ok_or(StoreError::NotFound)
}

impl AvatarStore for SqliteStore {
    fn set_avatar(&self, id: UserId, avatar: &NewAvatar, now: DateTime<Utc>) -> Result<User, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(internal)?;
        let updated = tx
            .prepare_cached("UPDATE users SET avatar_version = ?2 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![id.0, avatar.version.0]))
            .map_err(internal)?;
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        tx.prepare_cached(
            "INSERT INTO avatars (user_id, version, small, large, content_type, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, small = excluded.small,
                 large = excluded.large, content_type = excluded.content_type, updated_at = excluded.updated_at",
        )
        .and_then(|mut s| {
            s.execute(params![id.0, avatar.version.0, avatar.small, avatar.large, avatar.content_type, micros(now)])
        })
        .map_err(internal)?;
        let user = user(&tx, id)?;
        tx.commit().map_err(internal)?;
        Ok(user)
    }

    fn delete_avatar(&self, id: UserId) -> Result<User, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(internal)?;
        tx.prepare_cached("DELETE FROM avatars WHERE user_id = ?1")
            .and_then(|mut s| s.execute([id.0]))
            .map_err(internal)?;
        tx.prepare_cached("UPDATE users SET avatar_version = NULL WHERE id = ?1")
            .and_then(|mut s| s.execute([id.0]))
            .map_err(internal)?;
        let user = user(&tx, id)?;
        tx.commit().map_err(internal)?;
        Ok(user)
    }

    fn avatar(&self, id: UserId, version: AvatarVersion, size: AvatarSize) -> Result<Option<StoredAvatar>, StoreError> {
        let sql = match size {
            AvatarSize::Small => "SELECT small, content_type FROM avatars WHERE user_id = ?1 AND version = ?2",
            AvatarSize::Large => "SELECT large, content_type FROM avatars WHERE user_id = ?1 AND version = ?2",
        };
        let conn = self.conn()?;
        conn.prepare_cached(sql)
            .and_then(|mut s| {
                s.query_row(params![id.0, version.0], |r| {
                    Ok(StoredAvatar { bytes: r.get(0)?, content_type: r.get(1)? })
                })
                .optional()
            })
            .map_err(internal)
    }
}
