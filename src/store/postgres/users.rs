//! Accounts and sessions in PostgreSQL: `UserStore`.

use chrono::{DateTime, Utc};

use super::connect::{internal, write_error};
use super::rows::account_from_row;
use super::PostgresStore;
use crate::config::SessionLifetime;
use crate::domain::{Account, Home, UserId, Username};
use crate::i18n::Lang;
use crate::store::{Conflict, SessionCutoffs, StoreError, UserStore};

impl UserStore for PostgresStore {
    fn create_user(
        &self,
        username: &Username,
        hash: &str,
        home: &Home,
        language: Option<Lang>,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        const SQL: &str =
            "INSERT INTO users (username, username_key, password_hash, city, city_id, language, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let code = language.map(Lang::code);
        let city_id = home.city_id.map(|id| i64::from(id.0));
        let row = prepared
            .query_one(
                client,
                SQL,
                &[&username.as_str(), &username.key(), &hash, &home.city.as_str(), &city_id, &code, &now],
            )
            .map_err(|e| write_error(e, Conflict::Username))?;
        let id = row.try_get(0).map_err(internal)?;
        Ok(Account::new(UserId(id), username.clone(), home.clone(), language))
    }

    fn find_credentials(&self, username_key: &str) -> Result<Option<(Account, String)>, StoreError> {
        const SQL: &str =
            "SELECT id, username, city, avatar_version, city_id, city_privacy, language, password_hash FROM users WHERE username_key = $1";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query_opt(client, SQL, &[&username_key])
            .and_then(|row| row.map(|r| Ok((account_from_row(&r, 0)?, r.try_get(7)?))).transpose())
            .map_err(internal)
    }

    fn set_language(&self, user: UserId, language: Lang) -> Result<(), StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .execute(client, "UPDATE users SET language = $2 WHERE id = $1", &[&user.0, &language.code()])
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
        const PURGE: &str = "DELETE FROM sessions WHERE created_at <= $1 OR last_seen_at <= $2";
        const INSERT: &str =
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)";
        let cut = SessionCutoffs::at(now, lifetime);
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared.execute(client, PURGE, &[&cut.created_after, &cut.seen_after]).map_err(internal)?;
        prepared
            .execute(client, INSERT, &[&token_hash, &user.0, &now])
            .map_err(|e| write_error(e, Conflict::Username))?;
        Ok(())
    }

    fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        lifetime: &SessionLifetime,
    ) -> Result<Option<Account>, StoreError> {
        const SQL: &str =
            "SELECT u.id, u.username, u.city, u.avatar_version, u.city_id, u.city_privacy, u.language, s.last_seen_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.created_at > $2 AND s.last_seen_at > $3";
        const TOUCH: &str = "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2";
        let cut = SessionCutoffs::at(now, lifetime);
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let found = prepared
            .query_opt(client, SQL, &[&token_hash, &cut.created_after, &cut.seen_after])
            .and_then(|row| row.map(|r| Ok((account_from_row(&r, 0)?, r.try_get::<_, DateTime<Utc>>(7)?))).transpose())
            .map_err(internal)?;
        let Some((account, last_seen)) = found else { return Ok(None) };
        if last_seen <= cut.refresh_before {
            if let Err(e) = prepared.execute(client, TOUCH, &[&token_hash, &now]) {
                tracing::warn!(error = %e, "could not note that a session is in use");
            }
        }
        Ok(Some(account))
    }

    fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .execute(client, "DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
            .map(|deleted| deleted > 0)
            .map_err(internal)
    }

    fn delete_other_sessions(&self, user: UserId, keep: &str) -> Result<Vec<String>, StoreError> {
        const SQL: &str = "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2 RETURNING token_hash";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query(client, SQL, &[&user.0, &keep])
            .and_then(|rows| rows.iter().map(|r| r.try_get(0)).collect())
            .map_err(internal)
    }
}
