//! Blocks in PostgreSQL: `BlockStore`.

use chrono::{DateTime, Utc};

use super::connect::internal;
use super::rows::user_from_row;
use super::PostgresStore;
use crate::domain::{Blocks, User, UserId};
use crate::store::{Block, BlockStore, StoreError};

impl BlockStore for PostgresStore {
    fn block(&self, blocker: UserId, blocked: UserId, now: DateTime<Utc>) -> Result<Block, StoreError> {
        const EXISTS: &str = "SELECT 1 FROM users WHERE id = $1";
        const INSERT: &str = "INSERT INTO blocks (blocker, blocked, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (blocker, blocked) DO NOTHING";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        if prepared.query_opt(client, EXISTS, &[&blocked.0]).map_err(internal)?.is_none() {
            return Ok(Block::NoSuchUser);
        }
        let inserted = prepared.execute(client, INSERT, &[&blocker.0, &blocked.0, &now]).map_err(internal)?;
        Ok(if inserted == 0 { Block::AlreadyBlocked } else { Block::Blocked })
    }

    fn unblock(&self, blocker: UserId, blocked: UserId) -> Result<bool, StoreError> {
        const SQL: &str = "DELETE FROM blocks WHERE blocker = $1 AND blocked = $2";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        Ok(prepared.execute(client, SQL, &[&blocker.0, &blocked.0]).map_err(internal)? > 0)
    }

    fn blocked_users(&self, blocker: UserId) -> Result<Vec<User>, StoreError> {
        const SQL: &str =
            "SELECT u.id, u.username, u.city, u.avatar_version, u.city_id, u.city_privacy FROM blocks b JOIN users u ON u.id = b.blocked
             WHERE b.blocker = $1 ORDER BY b.created_at DESC, b.blocked DESC";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let rows = prepared.query(client, SQL, &[&blocker.0]).map_err(internal)?;
        rows.iter().map(|r| user_from_row(r, 0)).collect::<Result<_, _>>().map_err(internal)
    }

    fn blocks(&self, user: UserId) -> Result<Blocks, StoreError> {
        // Both directions in one statement, so from one snapshot: `true` marks whom `user` blocked.
        const SQL: &str = "SELECT blocked, true FROM blocks WHERE blocker = $1
             UNION ALL SELECT blocker, false FROM blocks WHERE blocked = $1 ORDER BY 1";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let mut blocks = Blocks::default();
        for row in prepared.query(client, SQL, &[&user.0]).map_err(internal)? {
            let (other, mine): (i64, bool) = (row.try_get(0).map_err(internal)?, row.try_get(1).map_err(internal)?);
            if mine {
                blocks.blocked.push(UserId(other))
            } else {
                blocks.blocked_by.push(UserId(other))
            }
        }
        Ok(blocks)
    }

    fn blocked_between(&self, a: UserId, b: UserId) -> Result<bool, StoreError> {
        const SQL: &str = "SELECT EXISTS (SELECT 1 FROM blocks
             WHERE (blocker = $1 AND blocked = $2) OR (blocker = $2 AND blocked = $1))";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared.query_one(client, SQL, &[&a.0, &b.0]).and_then(|r| r.try_get(0)).map_err(internal)
    }
}
