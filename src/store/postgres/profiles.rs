//! Profiles in PostgreSQL: `ProfileStore`.

use postgres::Row;

use super::connect::internal;
use super::rows::user_from_row;
use super::PostgresStore;
use crate::domain::{About, City, Profile, UserId};
use crate::store::{ProfileStore, StoreError};

fn profile_from_row(r: &Row) -> Result<Profile, postgres::Error> {
    Ok(Profile { user: user_from_row(r, 0)?, about: About::from_trusted(r.try_get(4)?), created_at: r.try_get(5)? })
}

impl ProfileStore for PostgresStore {
    fn profile(&self, user: UserId) -> Result<Option<Profile>, StoreError> {
        const SQL: &str = "SELECT id, username, city, avatar_version, about, created_at FROM users WHERE id = $1";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query_opt(client, SQL, &[&user.0])
            .and_then(|row| row.as_ref().map(profile_from_row).transpose())
            .map_err(internal)
    }

    fn update_profile(&self, user: UserId, city: Option<&City>, about: Option<&About>) -> Result<Profile, StoreError> {
        const SQL: &str = "UPDATE users SET city = coalesce($2, city), about = coalesce($3, about) WHERE id = $1
             RETURNING id, username, city, avatar_version, about, created_at";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let (city, about) = (city.map(City::as_str), about.map(About::as_str));
        prepared
            .query_opt(client, SQL, &[&user.0, &city, &about])
            .and_then(|row| row.as_ref().map(profile_from_row).transpose())
            .map_err(internal)?
            .ok_or(StoreError::NotFound)
    }

    fn set_password_hash(&self, user: UserId, password_hash: &str) -> Result<(), StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let changed = prepared
            .execute(client, "UPDATE users SET password_hash = $2 WHERE id = $1", &[&user.0, &password_hash])
            .map_err(internal)?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
