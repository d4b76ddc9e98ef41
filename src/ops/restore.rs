//! `discock restore`: puts a backup in place of the SQLite database `DATABASE_URL` names, after
//! checking that it is a Discock database that is intact and not newer than this binary.
//!
//! The backup is written through SQLite into the destination (the online backup API), so the
//! destination's `-wal` and `-shm` stay SQLite's to handle: a WAL left over is recovered
//! before it is overwritten, the restore's own WAL is checkpointed and removed when the file is
//! closed, and the `-shm` is rebuilt by the next process that opens the database. Nothing is
//! deleted by hand beside a database another process might be opening.
//!
//! A running server is detected: under WAL every open connection keeps a shared lock on the
//! database file from its first read until it closes, and the server keeps a pool of
//! connections open for as long as it runs. The restore takes SQLite's exclusive lock
//! (`PRAGMA locking_mode = EXCLUSIVE`, then `BEGIN EXCLUSIVE`) before writing anything and holds
//! it to the end, so it is refused while any process on this host has the database open, and
//! a server started meanwhile waits for it. File locks over a network file system may not work
//! (SQLite's own warning), so there the operator must make sure the server is stopped.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};

use super::{integrity_problems, shell_word};
use crate::config::DatabaseConfig;
use crate::store::sqlite::known_migrations;

/// How long the restore waits for the exclusive lock before deciding a server has the
/// database open.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// What a restore did, for the summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    pub from: PathBuf,
    pub to: PathBuf,
    pub pages: u64,
    /// The backup's newest schema version.
    pub version: i64,
    pub users: i64,
    pub rooms: i64,
    pub messages: i64,
    pub took: Duration,
}

/// Why nothing was restored; the database in place is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(
        "DATABASE_URL names a PostgreSQL database, which discock does not restore itself; restore a \
         pg_dump file into an empty database with\n  pg_restore --no-owner --dbname=\"$DATABASE_URL\" {0}"
    )]
    Postgres(String),
    #[error("no file at {}", .0.display())]
    Missing(PathBuf),
    #[error("{} is not an SQLite database: {cause}", .path.display())]
    NotSqlite { path: PathBuf, cause: rusqlite::Error },
    #[error("{} fails PRAGMA integrity_check: {problems}", .path.display())]
    NotIntact { path: PathBuf, problems: String },
    #[error("{} is an SQLite database but not a Discock one (no schema_migrations, users, rooms or messages table)", .0.display())]
    NotDiscock(PathBuf),
    #[error(
        "{} has schema version {version}, newer than this binary knows (up to {known}); restore it with the \
         discock version that made it", .path.display()
    )]
    Newer { path: PathBuf, version: i64, known: i64 },
    #[error(
        "{} is open in another process — a running server? Stop every server using it, then restore again",
        .0.display()
    )]
    InUse(PathBuf),
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("creating the folder {}: {cause}", .path.display())]
    Folder { path: PathBuf, cause: std::io::Error },
}

/// Restores `from` into the SQLite database `database` names (see the module docs). Blocking.
pub fn restore(database: &DatabaseConfig, from: &Path) -> Result<RestoreReport, RestoreError> {
    let started = Instant::now();
    let to = match database {
        DatabaseConfig::Sqlite { path } => path.clone(),
        DatabaseConfig::Postgres { .. } => return Err(RestoreError::Postgres(shell_word(&from.display().to_string()))),
    };
    if !from.is_file() {
        return Err(RestoreError::Missing(from.to_owned()));
    }
    let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let (version, users, rooms, messages) = check(&source, from)?;

    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|cause| RestoreError::Folder { path: dir.to_owned(), cause })?;
    }
    let mut target = Connection::open(&to)?;
    target.busy_timeout(LOCK_WAIT)?;
    let mode: String = target.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |r| r.get(0))?;
    debug_assert_eq!(mode, "exclusive");
    match target.execute_batch("BEGIN EXCLUSIVE; COMMIT;") {
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            return Err(RestoreError::InUse(to));
        }
        other => other?,
    }
    // The exclusive lock is held from here until `target` closes.
    let pages = {
        let backup = Backup::new(&source, &mut target)?;
        while backup.step(1024)? != StepResult::Done {}
        backup.progress().pagecount
    };
    target.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    target.close().map_err(|(_, e)| e)?;
    Ok(RestoreReport {
        from: from.to_owned(),
        to,
        pages: u64::try_from(pages).unwrap_or(0),
        version,
        users,
        rooms,
        messages,
        took: started.elapsed(),
    })
}

/// Checks the backup; returns its schema version and how many users, rooms and messages it has.
fn check(source: &Connection, path: &Path) -> Result<(i64, i64, i64, i64), RestoreError> {
    let not_sqlite = |cause| RestoreError::NotSqlite { path: path.to_owned(), cause };
    // The first read of the file: a file that is not SQLite fails here.
    let tables: Vec<String> = source
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(not_sqlite)?;
    if let Some(problems) = integrity_problems(source)? {
        return Err(RestoreError::NotIntact { path: path.to_owned(), problems });
    }
    if !["schema_migrations", "users", "rooms", "messages"].iter().all(|t| tables.iter().any(|n| n == t)) {
        return Err(RestoreError::NotDiscock(path.to_owned()));
    }
    let versions: Vec<i64> = source
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())?;
    let known: Vec<i64> = known_migrations().collect();
    let newest_known = known.iter().copied().max().unwrap_or(0);
    if let Some(unknown) = versions.iter().copied().filter(|v| !known.contains(v)).max() {
        return Err(RestoreError::Newer { path: path.to_owned(), version: unknown, known: newest_known });
    }
    let count = |table: &str| -> Result<i64, rusqlite::Error> {
        source.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
    };
    let version = source
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten()
        .unwrap_or(0);
    Ok((version, count("users")?, count("rooms")?, count("messages")?))
}
