//! Accounts and sessions in SQLite: `UserStore`.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::rows::{internal, micros, user_from_row, write_error};
use super::SqliteStore;
use crate::domain::{City, User, UserId, Username};
use crate::store::{Conflict, StoreError, UserStore};

impl UserStore for SqliteStore {
    fn create_user(
        &self,
        username: &Username,
        hash: &str,
        city: &City,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "INSERT INTO users (username, username_key, password_hash, city, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut s| s.insert(params![username.as_str(), username.key(), hash, city.as_str(), micros(now)]))
        .map(|id| User { id: UserId(id), username: username.clone(), city: city.clone() })
        .map_err(|e| write_error(e, Conflict::Username))
    }

    fn find_credentials(&self, username_key: &str) -> Result<Option<(User, String)>, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("SELECT id, username, city, password_hash FROM users WHERE username_key = ?1")
            .and_then(|mut s| s.query_row([username_key], |r| Ok((user_from_row(r, 0)?, r.get(3)?))).optional())
            .map_err(internal)
    }

    fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("DELETE FROM sessions WHERE expires_at <= ?1")
            .and_then(|mut s| s.execute([micros(now)]))
            .map_err(internal)?;
        conn.prepare_cached(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut s| s.execute(params![token_hash, user.0, micros(now), micros(expires_at)]))
        .map_err(|e| write_error(e, Conflict::Username))?;
        Ok(())
    }

    fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "SELECT u.id, u.username, u.city FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND s.expires_at > ?2",
        )
        .and_then(|mut s| s.query_row(params![token_hash, micros(now)], |r| user_from_row(r, 0)).optional())
        .map_err(internal)
    }

    fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")
            .and_then(|mut s| s.execute([token_hash]))
            .map_err(internal)?;
        Ok(())
    }
}
