//! Blocks in SQLite: `BlockStore`.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{internal, micros, user_from_row};
use super::SqliteStore;
use crate::domain::{Blocks, User, UserId};
use crate::store::{Block, BlockStore, StoreError};

/// The ids one query gives, in its order.
fn ids(conn: &Connection, sql: &str, user: UserId) -> Result<Vec<UserId>, StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.query_map([user.0], |r| r.get(0).map(UserId))?.collect())
        .map_err(internal)
}

impl BlockStore for SqliteStore {
    fn block(&self, blocker: UserId, blocked: UserId, now: DateTime<Utc>) -> Result<Block, StoreError> {
        let conn = self.conn()?;
        let exists = conn
            .prepare_cached("SELECT 1 FROM users WHERE id = ?1")
            .and_then(|mut s| s.query_row([blocked.0], |_| Ok(())).optional())
            .map_err(internal)?;
        if exists.is_none() {
            return Ok(Block::NoSuchUser);
        }
        let inserted = conn
            .prepare_cached(
                "INSERT INTO blocks (blocker, blocked, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (blocker, blocked) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![blocker.0, blocked.0, micros(now)]))
            .map_err(internal)?;
        Ok(if inserted == 0 { Block::AlreadyBlocked } else { Block::Blocked })
    }

    fn unblock(&self, blocker: UserId, blocked: UserId) -> Result<bool, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("DELETE FROM blocks WHERE blocker = ?1 AND blocked = ?2")
            .and_then(|mut s| s.execute(params![blocker.0, blocked.0]))
            .map(|deleted| deleted > 0)
            .map_err(internal)
    }

    fn blocked_users(&self, blocker: UserId) -> Result<Vec<User>, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "SELECT u.id, u.username, u.city, u.avatar_version, u.city_id, u.city_privacy FROM blocks b JOIN users u ON u.id = b.blocked
             WHERE b.blocker = ?1 ORDER BY b.created_at DESC, b.rowid DESC",
        )
        .and_then(|mut s| s.query_map([blocker.0], |r| user_from_row(r, 0))?.collect())
        .map_err(internal)
    }

    fn blocks(&self, user: UserId) -> Result<Blocks, StoreError> {
        let mut conn = self.conn()?;
        // One snapshot for both directions.
        let tx = conn.transaction().map_err(internal)?;
        let blocks = Blocks {
            blocked: ids(&tx, "SELECT blocked FROM blocks WHERE blocker = ?1 ORDER BY blocked", user)?,
            blocked_by: ids(&tx, "SELECT blocker FROM blocks WHERE blocked = ?1 ORDER BY blocker", user)?,
        };
        tx.commit().map_err(internal)?;
        Ok(blocks)
    }

    fn blocked_between(&self, a: UserId, b: UserId) -> Result<bool, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM blocks WHERE (blocker = ?1 AND blocked = ?2) OR (blocker = ?2 AND blocked = ?1))",
        )
        .and_then(|mut s| s.query_row(params![a.0, b.0], |r| r.get(0)))
        .map_err(internal)
    }
}
