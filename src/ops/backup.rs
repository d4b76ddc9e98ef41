//! `discock backup`: a consistent copy of the live SQLite database, made with SQLite's online
//! backup API while the server keeps running and writing. With PostgreSQL it refuses and names
//! `pg_dump` instead.
//!
//! The copy reads one snapshot: the source connection holds a read transaction for the whole
//! backup (under WAL the server's writers are not blocked by it), so the backup never restarts
//! when the server commits meanwhile, and it holds exactly what was committed when it began.
//! It copies [`PAGES_PER_STEP`] pages at a time with a [`PAUSE`] between steps, so a large
//! database does not keep the disk busy for the server; it is written to `FILE.partial`,
//! checked with `PRAGMA integrity_check` and only then renamed to `FILE`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::{integrity_problems, shell_word};
use crate::config::DatabaseConfig;

/// Pages copied per step of the backup.
pub const PAGES_PER_STEP: std::ffi::c_int = 256;
/// The pause between two steps.
pub const PAUSE: Duration = Duration::from_millis(5);

/// What a backup did, for the summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub from: PathBuf,
    pub to: PathBuf,
    /// Database pages copied.
    pub pages: u64,
    /// Size of the finished copy.
    pub bytes: u64,
    pub took: Duration,
}

/// Why no backup was made; `FILE` is untouched (a `FILE.partial` left over is removed).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{} already exists; choose another file, or pass --force to replace it", .0.display())]
    Exists(PathBuf),
    #[error(
        "DATABASE_URL names a PostgreSQL database, which discock does not copy itself; back it up with\n  \
         pg_dump --format=custom --no-owner --file={0} \"$DATABASE_URL\"\n\
         and restore that into an empty database with\n  \
         pg_restore --no-owner --dbname=\"$DATABASE_URL\" {0}"
    )]
    Postgres(String),
    #[error("no SQLite database at {} (check DATABASE_URL)", .0.display())]
    SourceMissing(PathBuf),
    #[error("the copy failed PRAGMA integrity_check, so it was deleted: {0}")]
    NotIntact(String),
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{what} {}: {source}", .path.display())]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
}

/// Copies the SQLite database `database` names into `to` (see the module docs). Blocking.
pub fn backup(database: &DatabaseConfig, to: &Path, force: bool) -> Result<BackupReport, BackupError> {
    let started = Instant::now();
    let from = match database {
        DatabaseConfig::Sqlite { path } => path.clone(),
        DatabaseConfig::Postgres { .. } => return Err(BackupError::Postgres(shell_word(&to.display().to_string()))),
    };
    if !force && to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    if !from.is_file() {
        return Err(BackupError::SourceMissing(from));
    }
    let partial = partial_path(to);
    remove_if_there(&partial)?;
    let copied = copy(&from, &partial);
    let pages = match copied {
        Ok(pages) => pages,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, to).map_err(|source| BackupError::Io {
        what: "renaming the copy to",
        path: to.to_owned(),
        source,
    })?;
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport { from, to: to.to_owned(), pages, bytes, took: started.elapsed() })
}

/// Copies `from` into the new file `partial`, checks it and leaves it as one self-contained
/// file (rollback journal mode, no `-wal` beside it); returns the pages copied.
fn copy(from: &Path, partial: &Path) -> Result<u64, BackupError> {
    let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    source.busy_timeout(Duration::from_secs(5))?;
    // The snapshot: a read transaction the backup steps reuse instead of starting their own,
    // so commits by the server meanwhile neither show in the copy nor restart it.
    source.execute_batch("BEGIN")?;
    source.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    let mut copy = Connection::open(partial)?;
    let pages = {
        let backup = Backup::new(&source, &mut copy)?;
        loop {
            match backup.step(PAGES_PER_STEP)? {
                StepResult::Done => break,
                // More to copy, or the source was busy for a moment: either way, again soon.
                _ => std::thread::sleep(PAUSE),
            }
        }
        backup.progress().pagecount
    };
    source.execute_batch("COMMIT")?;
    drop(source);
    if let Some(problems) = integrity_problems(&copy)? {
        return Err(BackupError::NotIntact(problems));
    }
    // The copy's header says WAL, as the source's does; a backup is easier to move around as
    // one file.
    let mode: String = copy.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    if mode != "delete" {
        tracing::warn!(%mode, "the copy stays in this journal mode");
    }
    copy.close().map_err(|(_, e)| e)?;
    Ok(u64::try_from(pages).unwrap_or(0))
}

/// `FILE.partial`, beside `FILE`.
fn partial_path(to: &Path) -> PathBuf {
    let mut name = to.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn remove_if_there(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(BackupError::Io { what: "removing the leftover", path: path.to_owned(), source: e })
        }
        _ => Ok(()),
    }
}
