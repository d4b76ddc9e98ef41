//! The SQLite implementation of `Store`: an r2d2 pool of rusqlite connections in WAL mode,
//! and the versioned migrations in `migrations/sqlite/`.
//!
//! One concern per file: `rows` (row mapping, error mapping, timestamps), and one file per kind
//! of data with its trait: `users`, `rooms`, `messages`, `search`, `events`, `reads`, `blocks`,
//! `profiles`, `avatars`, `dms`, `mutes`.

mod admin;
mod avatars;
mod blocks;
mod dms;
mod events;
mod limits;
mod messages;
mod mutes;
mod profiles;
mod reads;
mod rooms;
mod rows;
mod search;
mod users;

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::params;

use self::rows::{internal, micros};
pub use self::search::register_functions;
use super::StoreError;
use crate::metrics::PoolWaits;

/// Versioned schema changes, applied in order, each once. Numbers may have gaps: each one not
/// recorded yet is applied, so a lower number merged after a higher one was applied still runs.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/001_initial.sql")),
    (2, include_str!("../migrations/sqlite/002_room_events.sql")),
    (3, include_str!("../migrations/sqlite/003_rate_limits.sql")),
    (4, include_str!("../migrations/sqlite/004_session_last_seen.sql")),
    (5, include_str!("../migrations/sqlite/005_user_language.sql")),
    (6, include_str!("../migrations/sqlite/006_message_features.sql")),
    (7, include_str!("../migrations/sqlite/007_message_search.sql")),
    (8, include_str!("../migrations/sqlite/008_read_states.sql")),
    (9, include_str!("../migrations/sqlite/009_direct_messages.sql")),
    (10, include_str!("../migrations/sqlite/010_blocks.sql")),
    (11, include_str!("../migrations/sqlite/011_profiles.sql")),
    (12, include_str!("../migrations/sqlite/012_avatars.sql")),
    (13, include_str!("../migrations/sqlite/013_room_mutes.sql")),
    (14, include_str!("../migrations/sqlite/014_canonical_cities.sql")),
    (15, include_str!("../migrations/sqlite/015_city_rooms.sql")),
];

/// The schema versions this binary knows: a database that has applied any other is newer than
/// it (`discock restore` refuses such a file).
pub fn known_migrations() -> impl Iterator<Item = i64> {
    MIGRATIONS.iter().map(|(version, _)| *version)
}

/// Connections kept open; readers run in parallel with the single writer under WAL.
const POOL_SIZE: u32 = 8;

pub struct SqliteStore {
    pool: Pool<SqliteConnectionManager>,
    /// Held by the frequent writer (the batches of messages, changes and read markers) for its whole
    /// transaction. SQLite has one writer at a time, and a second one waiting inside SQLite sleeps
    /// in its busy handler for up to tens of milliseconds at a go; queueing on this lock instead
    /// hands the database over the moment the other commits.
    writing: std::sync::Mutex<()>,
}

impl SqliteStore {
    /// Opens the file (creating it and its folder), applies pending migrations.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_measured(path, PoolWaits::default())
    }

    /// Like [`SqliteStore::open`], reporting the pool's waits into `pool_waits`.
    pub fn open_measured(path: &Path, pool_waits: PoolWaits) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Internal(Box::new(e)))?;
        }
        let manager = SqliteConnectionManager::file(path).with_init(|c| {
            c.execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 5000;",
            )?;
            // Before anything runs: the migrations and the search triggers call it.
            register_functions(c)
        });
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .connection_timeout(Duration::from_secs(10))
            .event_handler(Box::new(pool_waits))
            .build(manager)
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let store = SqliteStore { pool, writing: std::sync::Mutex::new(()) };
        store.migrate()?;
        Ok(store)
    }

    /// Waits for the other frequent writers to finish (see [`SqliteStore::writing`]).
    fn write_turn(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writing.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn conn(&self) -> Result<PooledConnection<SqliteConnectionManager>, StoreError> {
        self.pool.get().map_err(|e| StoreError::Unavailable(Box::new(e)))
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )
        .map_err(internal)?;
        let applied: std::collections::HashSet<i64> = conn
            .prepare("SELECT version FROM schema_migrations")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(internal)?;
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| !applied.contains(v)) {
            let tx = conn.transaction().map_err(internal)?;
            tx.execute_batch(sql).map_err(internal)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, micros(Utc::now())],
            )
            .map_err(internal)?;
            tx.commit().map_err(internal)?;
            tracing::info!(version, "applied SQLite migration");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_migration_missing_below_the_newest_applied_one_is_applied_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(SqliteStore::open(&path).unwrap());
        // As if 008 had been merged after 010 was applied: neither its table nor its record.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("DROP TABLE read_states; DELETE FROM schema_migrations WHERE version = 8;").unwrap();
        drop(conn);

        let store = SqliteStore::open(&path).unwrap();

        let conn = store.conn().unwrap();
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'read_states'", [], |r| {
                r.get(0)
            })
            .unwrap();
        let versions: i64 = conn.query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!((tables, versions), (1, MIGRATIONS.len() as i64));
    }
}
