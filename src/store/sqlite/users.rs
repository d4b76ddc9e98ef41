//! Accounts and sessions in SQLite: `UserStore`.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::rows::{account_from_row, internal, micros, write_error};
use super::SqliteStore;
use crate::config::SessionLifetime;
use crate::domain::{Account, Home, UserId, Username};
use crate::i18n::Lang;
use crate::store::{Conflict, SessionCutoffs, StoreError, UserStore};

impl UserStore for SqliteStore {
    fn create_user(
        &self,
        username: &Username,
        hash: &str,
        home: &Home,
        language: Option<Lang>,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "INSERT INTO users (username, username_key, password_hash, city, city_id, language, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .and_then(|mut s| {
            let city_id = home.city_id.map(|id| i64::from(id.0));
            let code = language.map(Lang::code);
            s.insert(params![username.as_str(), username.key(), hash, home.city.as_str(), city_id, code, micros(now)])
        })
        .map(|id| Account::new(UserId(id), username.clone(), home.clone(), language))
        .map_err(|e| write_error(e, Conflict::Username))
    }

    fn find_credentials(&self, username_key: &str) -> Result<Option<(Account, String)>, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "SELECT id, username, city, avatar_version, city_id, city_privacy, language, password_hash FROM users WHERE username_key = ?1",
        )
        .and_then(|mut s| s.query_row([username_key], |r| Ok((account_from_row(r, 0)?, r.get(7)?))).optional())
        .map_err(internal)
    }

    fn set_language(&self, user: UserId, language: Lang) -> Result<(), StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("UPDATE users SET language = ?2 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![user.0, language.code()]))
            .map(drop)
            .map_err(internal)
    }

    fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: DateTime<Utc>,
        lifetime: &SessionLifetime,
    ) -> Result<(), StoreError> {
        let cut = SessionCutoffs::at(now, lifetime);
        let conn = self.conn()?;
        conn.prepare_cached("DELETE FROM sessions WHERE created_at <= ?1 OR last_seen_at <= ?2")
            .and_then(|mut s| s.execute(params![micros(cut.created_after), micros(cut.seen_after)]))
            .map_err(internal)?;
        conn.prepare_cached(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
        )
        .and_then(|mut s| s.execute(params![token_hash, user.0, micros(now)]))
        .map_err(|e| write_error(e, Conflict::Username))?;
        Ok(())
    }

    fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        lifetime: &SessionLifetime,
    ) -> Result<Option<Account>, StoreError> {
        let cut = SessionCutoffs::at(now, lifetime);
        let conn = self.conn()?;
        let found = conn
            .prepare_cached(
                "SELECT u.id, u.username, u.city, u.avatar_version, u.city_id, u.city_privacy, u.language, s.last_seen_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.created_at > ?2 AND s.last_seen_at > ?3",
            )
            .and_then(|mut s| {
                s.query_row(params![token_hash, micros(cut.created_after), micros(cut.seen_after)], |r| {
                    Ok((account_from_row(r, 0)?, r.get::<_, i64>(7)?))
                })
                .optional()
            })
            .map_err(internal)?;
        let Some((account, last_seen)) = found else { return Ok(None) };
        if last_seen <= micros(cut.refresh_before) {
            let touched = conn
                .prepare_cached("UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1 AND last_seen_at < ?2")
                .and_then(|mut s| s.execute(params![token_hash, micros(now)]));
            if let Err(e) = touched {
                tracing::warn!(error = %e, "could not note that a session is in use");
            }
        }
        Ok(Some(account))
    }

    fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")
            .and_then(|mut s| s.execute([token_hash]))
            .map(|deleted| deleted > 0)
            .map_err(internal)
    }

    fn delete_other_sessions(&self, user: UserId, keep: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2 RETURNING token_hash")
            .and_then(|mut s| s.query_map(params![user.0, keep], |r| r.get(0))?.collect())
            .map_err(internal)
    }
}
