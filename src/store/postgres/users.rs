//! Accounts and sessions in PostgreSQL: `UserStore`.

use chrono::{DateTime, Utc};

use super::connect::{internal, write_error};
use super::rows::user_from_row;
use super::PostgresStore;
use crate::domain::{City, User, UserId, Username};
use crate::store::{Conflict, StoreError, UserStore};

impl UserStore for PostgresStore {
    fn create_user(
        &self,
        username: &Username,
        hash: &str,
        city: &City,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        const SQL: &str = "INSERT INTO users (username, username_key, password_hash, city, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let row = prepared
            .query_one(client, SQL, &[&username.as_str(), &username.key(), &hash, &city.as_str(), &now])
            .map_err(|e| write_error(e, Conflict::Username))?;
        let id = row.try_get(0).map_err(internal)?;
        Ok(User { id: UserId(id), username: username.clone(), city: city.clone() })
    }

    fn find_credentials(&self, username_key: &str) -> Result<Option<(User, String)>, StoreError> {
        const SQL: &str = "SELECT id, username, city, password_hash FROM users WHERE username_key = $1";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query_opt(client, SQL, &[&username_key])
            .and_then(|row| row.map(|r| Ok((user_from_row(&r, 0)?, r.try_get(3)?))).transpose())
            .map_err(internal)
    }

    fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        const PURGE: &str = "DELETE FROM sessions WHERE expires_at <= $1";
        const INSERT: &str =
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared.execute(client, PURGE, &[&now]).map_err(internal)?;
        prepared
            .execute(client, INSERT, &[&token_hash, &user.0, &now, &expires_at])
            .map_err(|e| write_error(e, Conflict::Username))?;
        Ok(())
    }

    fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>, StoreError> {
        const SQL: &str = "SELECT u.id, u.username, u.city FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query_opt(client, SQL, &[&token_hash, &now])
            .and_then(|row| row.map(|r| user_from_row(&r, 0)).transpose())
            .map_err(internal)
    }

    fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared.execute(client, "DELETE FROM sessions WHERE token_hash = $1", &[&token_hash]).map_err(internal)?;
        Ok(())
    }
}
