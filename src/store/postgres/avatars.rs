//! Avatars in PostgreSQL: `AvatarStore`. The picture and the version on the user's row change
//! in one transaction, so a user read never names a picture that is not there.

use chrono::{DateTime, Utc};
use postgres::GenericClient;

use super::connect::internal;
use super::pool::Prepared;
use super::rows::user_from_row;
use super::PostgresStore;
use crate::domain::{AvatarSize, AvatarVersion, User, UserId};
use crate::store::{AvatarStore, NewAvatar, StoreError, StoredAvatar};

/// The user as they are now; `NotFound` when there is none.
fn user(c: &mut impl GenericClient, prepared: &mut Prepared, id: UserId) -> Result<User, StoreError> {
    const SQL: &str = "SELECT id, username, city, avatar_version, city_id, city_privacy FROM users WHERE id = $1";
    let row = prepared.query_opt(c, SQL, &[&id.0]).map_err(internal)?.ok_or(StoreError::NotFound)?;
    user_from_row(&row, 0).map_err(internal)
}

impl AvatarStore for PostgresStore {
    fn set_avatar(&self, id: UserId, avatar: &NewAvatar, now: DateTime<Utc>) -> Result<User, StoreError> {
        const VERSION: &str = "UPDATE users SET avatar_version = $2 WHERE id = $1";
        const PICTURE: &str = "INSERT INTO avatars (user_id, version, small, large, content_type, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, small = excluded.small,
                 large = excluded.large, content_type = excluded.content_type, updated_at = excluded.updated_at";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let mut tx = client.transaction().map_err(internal)?;
        if prepared.execute(&mut tx, VERSION, &[&id.0, &avatar.version.0]).map_err(internal)? == 0 {
            return Err(StoreError::NotFound);
        }
        prepared
            .execute(
                &mut tx,
                PICTURE,
                &[&id.0, &avatar.version.0, &avatar.small, &avatar.large, &avatar.content_type, &now],
            )
            .map_err(internal)?;
        let user = user(&mut tx, prepared, id)?;
        tx.commit().map_err(internal)?;
        Ok(user)
    }

    fn delete_avatar(&self, id: UserId) -> Result<User, StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let mut tx = client.transaction().map_err(internal)?;
        prepared.execute(&mut tx, "DELETE FROM avatars WHERE user_id = $1", &[&id.0]).map_err(internal)?;
        prepared
            .execute(&mut tx, "UPDATE users SET avatar_version = NULL WHERE id = $1", &[&id.0])
            .map_err(internal)?;
        let user = user(&mut tx, prepared, id)?;
        tx.commit().map_err(internal)?;
        Ok(user)
    }

    fn avatar(&self, id: UserId, version: AvatarVersion, size: AvatarSize) -> Result<Option<StoredAvatar>, StoreError> {
        let sql = match size {
            AvatarSize::Small => "SELECT small, content_type FROM avatars WHERE user_id = $1 AND version = $2",
            AvatarSize::Large => "SELECT large, content_type FROM avatars WHERE user_id = $1 AND version = $2",
        };
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let row = prepared.query_opt(client, sql, &[&id.0, &version.0]).map_err(internal)?;
        row.map(|r| Ok(StoredAvatar { bytes: r.try_get(0)?, content_type: r.try_get(1)? }))
            .transpose()
            .map_err(internal)
    }
}
