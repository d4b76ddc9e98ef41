//! Profiles in SQLite: `ProfileStore`.

use rusqlite::{params, OptionalExtension, Row};

use super::rows::{internal, time, user_from_row};
use super::SqliteStore;
use crate::domain::{About, City, Profile, UserId};
use crate::store::{ProfileStore, StoreError};

const PROFILE: &str = "SELECT id, username, city, avatar_version, about, created_at FROM users WHERE id = ?1";

fn profile_from_row(r: &Row<'_>) -> rusqlite::Result<Profile> {
    Ok(Profile { user: user_from_row(r, 0)?, about: About::from_trusted(r.get(4)?), created_at: time(r.get(5)?) })
}

impl ProfileStore for SqliteStore {
    fn profile(&self, user: UserId) -> Result<Option<Profile>, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(PROFILE)
            .and_then(|mut s| s.query_row([user.0], profile_from_row).optional())
            .map_err(internal)
    }

    fn update_profile(&self, user: UserId, city: Option<&City>, about: Option<&About>) -> Result<Profile, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "UPDATE users SET city = coalesce(?2, city), about = coalesce(?3, about) WHERE id = ?1
             RETURNING id, username, city, avatar_version, about, created_at",
        )
        .and_then(|mut s| {
            s.query_row(params![user.0, city.map(City::as_str), about.map(About::as_str)], profile_from_row).optional()
        })
        .map_err(internal)?
        .ok_or(StoreError::NotFound)
    }

    fn set_password_hash(&self, user: UserId, password_hash: &str) -> Result<(), StoreError> {
        let conn = self.conn()?;
        let changed = conn
            .prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![user.0, password_hash]))
            .map_err(internal)?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
