//! Profiles in PostgreSQL: `ProfileStore`.

use postgres::Row;

use super::connect::internal;
use super::rows::user_with_home;
use super::PostgresStore;
use crate::domain::{About, CityPrivacy, Home, Profile, UserId};
use crate::store::{ProfileChange, ProfileStore, StoreError};

fn profile_from_row(r: &Row) -> Result<Profile, postgres::Error> {
    let (user, home, city_privacy) = user_with_home(r, 0)?;
    Ok(Profile { user, home, city_privacy, about: About::from_trusted(r.try_get(6)?), created_at: r.try_get(7)? })
}

impl ProfileStore for PostgresStore {
    fn profile(&self, user: UserId) -> Result<Option<Profile>, StoreError> {
        const SQL: &str = "SELECT id, username, city, avatar_version, city_id, city_privacy, about, created_at FROM users WHERE id = $1";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query_opt(client, SQL, &[&user.0])
            .and_then(|row| row.as_ref().map(profile_from_row).transpose())
            .map_err(internal)
    }

    fn update_profile(&self, user: UserId, change: &ProfileChange) -> Result<Profile, StoreError> {
        const SQL: &str = "UPDATE users SET city = coalesce($2, city),
                 city_id = CASE WHEN $2::text IS NULL THEN city_id ELSE $3 END,
                 city_privacy = coalesce($4, city_privacy), about = coalesce($5, about) WHERE id = $1
             RETURNING id, username, city, avatar_version, city_id, city_privacy, about, created_at";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let city = change.home.as_ref().map(|h| h.city.as_str());
        let privacy = change.city_privacy.map(CityPrivacy::as_str);
        let about = change.about.as_ref().map(About::as_str);
        prepared
            .query_opt(client, SQL, &[&user.0, &city, &change.city_id(), &privacy, &about])
            .and_then(|row| row.as_ref().map(profile_from_row).transpose())
            .map_err(internal)?
            .ok_or(StoreError::NotFound)
    }

    fn free_cities(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let rows =
            prepared.query(client, "SELECT DISTINCT city FROM users WHERE city_id IS NULL", &[]).map_err(internal)?;
        rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>().map_err(internal)
    }

    fn link_free_city(&self, typed: &str, home: &Home) -> Result<u64, StoreError> {
        const SQL: &str = "UPDATE users SET city = $2, city_id = $3 WHERE city_id IS NULL AND city = $1";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let city_id = home.city_id.map(|id| i64::from(id.0));
        prepared.execute(client, SQL, &[&typed, &home.city.as_str(), &city_id]).map_err(internal)
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
