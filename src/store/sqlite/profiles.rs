//! Profiles in SQLite: `ProfileStore`.

use rusqlite::{params, OptionalExtension, Row};

use super::rows::{internal, time, user_with_home};
use super::SqliteStore;
use crate::domain::{About, CityPrivacy, Home, Profile, UserId};
use crate::store::{ProfileChange, ProfileStore, StoreError};

const PROFILE: &str =
    "SELECT id, username, city, avatar_version, city_id, city_privacy, about, created_at FROM users WHERE id = ?1";

fn profile_from_row(r: &Row<'_>) -> rusqlite::Result<Profile> {
    let (user, home, city_privacy) = user_with_home(r, 0)?;
    Ok(Profile { user, home, city_privacy, about: About::from_trusted(r.get(6)?), created_at: time(r.get(7)?) })
}

impl ProfileStore for SqliteStore {
    fn profile(&self, user: UserId) -> Result<Option<Profile>, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(PROFILE)
            .and_then(|mut s| s.query_row([user.0], profile_from_row).optional())
            .map_err(internal)
    }

    fn update_profile(&self, user: UserId, change: &ProfileChange) -> Result<Profile, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "UPDATE users SET city = coalesce(?2, city), city_id = CASE WHEN ?2 IS NULL THEN city_id ELSE ?3 END,
                 city_privacy = coalesce(?4, city_privacy), about = coalesce(?5, about) WHERE id = ?1
             RETURNING id, username, city, avatar_version, city_id, city_privacy, about, created_at",
        )
        .and_then(|mut s| {
            let city = change.home.as_ref().map(|h| h.city.as_str());
            let privacy = change.city_privacy.map(CityPrivacy::as_str);
            let about = change.about.as_ref().map(About::as_str);
            s.query_row(params![user.0, city, change.city_id(), privacy, about], profile_from_row).optional()
        })
        .map_err(internal)?
        .ok_or(StoreError::NotFound)
    }

    fn free_cities(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("SELECT DISTINCT city FROM users WHERE city_id IS NULL")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(internal)
    }

    fn link_free_city(&self, typed: &str, home: &Home) -> Result<u64, StoreError> {
        let conn = self.conn()?;
        let city_id = home.city_id.map(|id| i64::from(id.0));
        conn.prepare_cached("UPDATE users SET city = ?2, city_id = ?3 WHERE city_id IS NULL AND city = ?1")
            .and_then(|mut s| s.execute(params![typed, home.city.as_str(), city_id]))
            .map(|n| n as u64)
            .map_err(internal)
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
