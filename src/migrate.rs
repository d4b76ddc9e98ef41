//! The command line beyond serving: `discock --help`, and `discock migrate-sqlite-to-postgres`,
//! which copies a whole SQLite database into an empty PostgreSQL one, keeping every id.
//!
//! Blocking throughout (SQLite and the synchronous PostgreSQL client): run it outside any
//! async runtime, as `main` does.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use rusqlite::{OpenFlags, OptionalExtension};

use crate::config::{redact_url, DatabaseConfig};
use crate::store::postgres::PostgresStore;
use crate::store::sqlite::SqliteStore;
use crate::store::StoreError;

/// What `discock --help` prints, and what a wrong command line gets with its error.
pub const USAGE: &str = "\
Usage:
  discock
      Run the server, configured by environment variables (DATABASE_URL, PORT, SECRET_KEY, …;
      a .env file is read too).

  discock migrate-sqlite-to-postgres --from sqlite://path/to/discock.db --to postgres://user:password@host:5432/dbname
      Copy users, rooms, messages, read markers, avatars and sessions from an SQLite database into an
      empty PostgreSQL database, keeping every id. Both schemas are brought up to date first.
      The copy is one transaction: all of it lands, or none. Stop the server first: messages
      sent during the copy are not copied.
      Sessions are stored as HMACs keyed by SECRET_KEY: people stay logged in only if the
      server on PostgreSQL runs with the same SECRET_KEY; otherwise they log in again.

  discock --help
      Print this text.
";

/// What the command line asks for.
#[derive(Clone, PartialEq, Eq)]
pub enum Command {
    /// No arguments: run the server.
    Serve,
    /// `--help` (or `-h`, `help`) anywhere.
    Help,
    /// `migrate-sqlite-to-postgres --from … --to …`.
    SqliteToPostgres {
        /// The SQLite file (it must exist).
        from: PathBuf,
        /// The PostgreSQL URL, password included: log it only through [`redact_url`].
        to: String,
    },
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Serve => f.write_str("Serve"),
            Command::Help => f.write_str("Help"),
            Command::SqliteToPostgres { from, to } => {
                f.debug_struct("SqliteToPostgres").field("from", from).field("to", &redact_url(to)).finish()
            }
        }
    }
}

/// A command line that cannot be followed; printed with [`USAGE`], exit status 2.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct UsageError(pub String);

impl Command {
    /// Reads the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, UsageError> {
        let args: Vec<String> = args.into_iter().collect();
        if args.iter().any(|a| matches!(a.as_str(), "--help" | "-h" | "help")) {
            return Ok(Command::Help);
        }
        let Some((command, rest)) = args.split_first() else { return Ok(Command::Serve) };
        if command != "migrate-sqlite-to-postgres" {
            return Err(UsageError(format!("unknown command {command:?}")));
        }
        let (mut from, mut to) = (None, None);
        let mut rest = rest.iter();
        while let Some(arg) = rest.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            let slot = match flag {
                "--from" => &mut from,
                "--to" => &mut to,
                _ => return Err(UsageError(format!("unknown argument {:?}", redact_url(flag)))),
            };
            let value = match inline.or_else(|| rest.next().cloned()) {
                Some(v) if !v.is_empty() => v,
                _ => return Err(UsageError(format!("{flag} needs a value"))),
            };
            if slot.replace(value).is_some() {
                return Err(UsageError(format!("{flag} is given twice")));
            }
        }
        let from = from.ok_or_else(|| UsageError("--from sqlite://path/to/discock.db is missing".into()))?;
        let to = to.ok_or_else(|| UsageError("--to postgres://user:password@host/dbname is missing".into()))?;
        let from = match DatabaseConfig::from_url(&from, "--from").map_err(|e| UsageError(e.0))? {
            DatabaseConfig::Sqlite { path } => path,
            DatabaseConfig::Postgres { .. } => return Err(UsageError("--from must be an sqlite:// URL".into())),
        };
        match DatabaseConfig::from_url(&to, "--to").map_err(|e| UsageError(e.0))? {
            DatabaseConfig::Postgres { .. } => Ok(Command::SqliteToPostgres { from, to }),
            DatabaseConfig::Sqlite { .. } => Err(UsageError("--to must be a postgres:// URL".into())),
        }
    }
}

/// What a copy moved, for the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    pub users: u64,
    pub rooms: u64,
    pub messages: u64,
    /// Entries of the rooms' event logs.
    pub events: u64,
    pub reactions: u64,
    /// Read markers (how far each user has read each room).
    pub read_states: u64,
    /// Blocks (who blocked whom).
    pub blocks: u64,
    /// Users' pictures.
    pub avatars: u64,
    /// Every session: the target applies its own `SESSION_IDLE_DAYS` and `SESSION_MAX_DAYS`
    /// when they are checked, and purges the ended ones at the next login.
    pub sessions: u64,
    /// From opening the databases to the commit.
    pub took: Duration,
}

/// Why a copy did not happen; nothing was written to PostgreSQL.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("no SQLite database at {0} (check --from)")]
    SourceMissing(PathBuf),
    #[error(
        "the PostgreSQL database is not empty ({users} users, {rooms} rooms, {messages} messages); \
         copy into a new, empty database (a server started on it has already created its default room)"
    )]
    TargetNotEmpty { users: i64, rooms: i64, messages: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("writing PostgreSQL: {}", crate::store::postgres::with_causes(.0))]
    Postgres(#[from] postgres::Error),
    #[error("SQLite holds a timestamp out of range: {0} µs")]
    BadTimestamp(i64),
}

/// Copies everything from the SQLite file `from` into the empty PostgreSQL database at `to`,
/// waiting up to `connect_timeout` for PostgreSQL to be reachable. Blocking.
pub fn sqlite_to_postgres(from: &Path, to: &str, connect_timeout: Duration) -> Result<Copied, MigrateError> {
    let started = Instant::now();
    if !from.is_file() {
        // SqliteStore::open would create an empty database and we would copy nothing.
        return Err(MigrateError::SourceMissing(from.to_owned()));
    }
    drop(SqliteStore::open(from)?); // brings the SQLite schema up to date
    let target = PostgresStore::open(to, 1, connect_timeout)?;

    let mut source = rusqlite::Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    source.busy_timeout(Duration::from_secs(5))?;
    // One read transaction: every table is read from the same snapshot.
    let source = source.transaction()?;

    let mut conn = target.connection()?;
    let mut tx = conn.client().transaction()?;
    // Keep a server that is already running on this database from writing meanwhile.
    tx.batch_execute(
        "LOCK TABLE users, rooms, messages, room_events, reactions, read_states, blocks, avatars, sessions IN EXCLUSIVE MODE",
    )?;
    let row = tx.query_one(
        "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM rooms), (SELECT count(*) FROM messages)",
        &[],
    )?;
    let (users, rooms, messages): (i64, i64, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    if users + rooms + messages > 0 {
        return Err(MigrateError::TargetNotEmpty { users, rooms, messages });
    }

    let copied = Copied {
        users: copy_users(&source, &mut tx)?,
        rooms: copy_rooms(&source, &mut tx)?,
        messages: without_foreign_keys(&mut tx, "messages", |tx| copy_messages(&source, tx))?,
        events: without_foreign_keys(&mut tx, "room_events", |tx| copy_events(&source, tx))?,
        reactions: without_foreign_keys(&mut tx, "reactions", |tx| copy_reactions(&source, tx))?,
        read_states: copy_read_states(&source, &mut tx)?,
        blocks: copy_blocks(&source, &mut tx)?,
        avatars: copy_avatars(&source, &mut tx)?,
        sessions: copy_sessions(&source, &mut tx)?,
        took: Duration::ZERO,
    };
    for table in ["users", "rooms", "messages", "reactions"] {
        restart_identity(&source, &mut tx, table)?;
    }
    tx.commit()?;
    // Fresh statistics, so the first queries after the move (searches above all, which choose
    // between the search index and a walk by id from them) are planned for the data copied, not
    // for empty tables; autovacuum would get there too, a minute or so later. A failure here
    // loses nothing: the copy is committed.
    if let Err(e) = conn.client().batch_execute("ANALYZE") {
        tracing::warn!(error = %crate::store::postgres::with_causes(&e), "ANALYZE after the copy failed");
    }
    Ok(Copied { took: started.elapsed(), ..copied })
}

fn time(us: i64) -> Result<DateTime<Utc>, MigrateError> {
    Utc.timestamp_micros(us).single().ok_or(MigrateError::BadTimestamp(us))
}

fn copy_users(source: &rusqlite::Transaction, tx: &mut postgres::Transaction) -> Result<u64, MigrateError> {
    let sink = tx.copy_in(
        "COPY users (id, username, username_key, password_hash, city, language, created_at, about, avatar_version,
                city_id, city_privacy)
         FROM STDIN (FORMAT binary)",
    )?;
    let mut writer = BinaryCopyInWriter::new(
        sink,
        &[
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TIMESTAMPTZ,
            Type::TEXT,
            Type::INT8,
            Type::INT8,
            Type::TEXT,
        ],
    );
    let mut select = source.prepare(
        "SELECT id, username, username_key, password_hash, city, language, created_at, about, avatar_version,
                city_id, city_privacy
         FROM users ORDER BY id",
    )?;
    let mut rows = select.query([])?;
    while let Some(r) = rows.next()? {
        let (id, username, key, hash, city): (i64, String, String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let (language, about, avatar_version): (Option<String>, String, Option<i64>) =
            (r.get(5)?, r.get(7)?, r.get(8)?);
        let (city_id, city_privacy): (Option<i64>, String) = (r.get(9)?, r.get(10)?);
        let created_at = time(r.get(6)?)?;
        writer.write(&[
            &id,
            &username,
            &key,
            &hash,
            &city,
            &language,
            &created_at,
            &about,
            &avatar_version,
            &city_id,
            &city_privacy,
        ])?;
    }
    Ok(writer.finish()?)
}

fn copy_rooms(source: &rusqlite::Transaction, tx: &mut postgres::Transaction) -> Result<u64, MigrateError> {
    let sink = tx.copy_in(
        "COPY rooms (id, name, name_key, description, created_by, is_default, last_seq, created_at, dm_a, dm_b, city_id)
         FROM STDIN (FORMAT binary)",
    )?;
    let mut writer = BinaryCopyInWriter::new(
        sink,
        &[
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::BOOL,
            Type::INT8,
            Type::TIMESTAMPTZ,
            Type::INT8,
            Type::INT8,
            Type::INT8,
        ],
    );
    let mut select = source.prepare(
        "SELECT id, name, name_key, description, created_by, is_default, last_seq, created_at, dm_a, dm_b, city_id
         FROM rooms ORDER BY id",
    )?;
    let mut rows = select.query([])?;
    while let Some(r) = rows.next()? {
        let (id, name, key, description): (i64, String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let (created_by, is_default, last_seq): (Option<i64>, bool, i64) = (r.get(4)?, r.get(5)?, r.get(6)?);
        let (dm_a, dm_b, city_id): (Option<i64>, Option<i64>, Option<i64>) = (r.get(8)?, r.get(9)?, r.get(10)?);
        let created_at = time(r.get(7)?)?;
        writer.write(&[
            &id,
            &name,
            &key,
            &description,
            &created_by,
            &is_default,
            &last_seq,
            &created_at,
            &dm_a,
            &dm_b,
            &city_id,
        ])?;
    }
    Ok(writer.finish()?)
}

/// Runs `copy` with the table's foreign keys dropped, then adds them back (same names and
/// definitions, read from the catalog), which checks every row in one pass: for a million
/// messages that is several times faster than a trigger firing per row. All inside the copy
/// transaction, so the keys are never missing for anyone else.
fn without_foreign_keys<T>(
    tx: &mut postgres::Transaction,
    table: &'static str,
    copy: impl FnOnce(&mut postgres::Transaction) -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    let keys: Vec<(String, String)> = tx
        .query(
            "SELECT conname::TEXT, pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conrelid = $1::TEXT::regclass AND contype = 'f' ORDER BY conname",
            &[&table],
        )?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, postgres::Error>>()?;
    let quoted = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    for (name, _) in &keys {
        tx.batch_execute(&format!("ALTER TABLE {table} DROP CONSTRAINT {}", quoted(name)))?;
    }
    let copied = copy(tx)?;
    for (name, definition) in &keys {
        tx.batch_execute(&format!("ALTER TABLE {table} ADD CONSTRAINT {} {definition}", quoted(name)))?;
    }
    Ok(copied)
}

/// Streams messages straight from the SQLite cursor into binary COPY: memory stays flat
/// however many there are.
fn copy_messages(source: &rusqlite::Transaction, tx: &mut postgres::Transaction) -> Result<u64, MigrateError> {
    let sink = tx.copy_in(
        "COPY messages (id, room_id, user_id, content, client_id, seq, created_at,
                       edited_at, deleted_at, reply_to_id, mentions, pinned_at) FROM STDIN (FORMAT binary)",
    )?;
    let mut writer = BinaryCopyInWriter::new(
        sink,
        &[
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::TIMESTAMPTZ,
            Type::TIMESTAMPTZ,
            Type::TIMESTAMPTZ,
            Type::INT8,
            Type::TEXT,
            Type::TIMESTAMPTZ,
        ],
    );
    let mut select = source.prepare(
        "SELECT id, room_id, user_id, content, client_id, seq, created_at,
                edited_at, deleted_at, reply_to_id, mentions, pinned_at FROM messages ORDER BY id",
    )?;
    let mut rows = select.query([])?;
    let maybe_time = |us: Option<i64>| us.map(time).transpose();
    while let Some(r) = rows.next()? {
        let (id, room_id, user_id, seq): (i64, i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(5)?);
        let (content, client_id): (String, Option<String>) = (r.get(3)?, r.get(4)?);
        let (edited_at, deleted_at, pinned_at) =
            (maybe_time(r.get(7)?)?, maybe_time(r.get(8)?)?, maybe_time(r.get(11)?)?);
        let (reply_to_id, mentions): (Option<i64>, Option<String>) = (r.get(9)?, r.get(10)?);
        writer.write(&[
            &id,
            &room_id,
            &user_id,
            &content,
            &client_id,
            &seq,
            &time(r.get(6)?)?,
            &edited_at,
            &deleted_at,
            &reply_to_id,
            &mentions,
            &pinned_at,
        ])?;
    }
    Ok(writer.finish()?)
}

/// Streams the reactions like the messages; their ids keep the order of first use.
fn copy_reactions(source: &rusqlite::Transaction, tx: &mut postgres::Transaction) -> Result<u64, MigrateError> {
    let sink = tx.copy_in("COPY reactions (id, message_id, emoji, user_id, created_at) FROM STDIN (FORMAT binary)")?;
    let mut writer =
        BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8, Type::TEXT, Type::INT8, Type::TIMESTAMPTZ]);
    let mut select = source.prepare("SELECT id, message_id, emoji, user_id, created_at FROM reactions ORDER BY id")?;
    let mut rows = select.query([])?;
    while let Some(r) = rows.next()? {
        let (id, message_id, emoji, user_id): (i64, i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        writer.write(&[&id, &message_id, &emoji, &user_id, &time(r.get(4)?)?])?;
    }
    Ok(writer.finish()?)
}

/// Streams the read markers; they name users and rooms, copied before them.
fn copy_read_states(source: &rusqlite::Transaction, tx: &mut postgres::Transaction) -> Result<u64, MigrateError> {
    let sink =
        tx.copy_in("COPY read_states (user_id, room_id, last_read_id, updated_at) FROM STDIN (FORMAT binary)")?;
    let mut writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8, Type::INT8, Type::TIMESTAMPTZ]);
    let mut select = source.prepare("SELECT user_id, room_id, last_read_id, updated_at FROM read_states")?;
    let mut rows = select.query([])?;
    while let Some(r) = rows.next()? {
        let (user_id, room_id, last_read_id): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        writer.write(&[&user_id, &room_id, &last_read_id, &time(r.get(3)?)?])?;
    }
    Ok(writer.finish()?)
}

/// Streams the blocks; they name users, copied before them.
fn copy_blocks(source: &rusqlite::Transaction, tx: &mut postgres::Transaction) -> Result<u64, MigrateError> {
    let sink = tx.copy_in("COPY blocks (blocker, blocked, created_at) FROM STDIN (FORMAT binary)")?;
    let mut writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8, Type::TIMESTAMPTZ]);
    let mut select = source.prepare("SELECT blocker, blocked, created_at FROM blocks")?;
    let mut rows = select.query([])?;
    while let Some(r) = rows.next()? {
        let (blocker, blocked): (i64, i64) = (r.get(0)?, r.get(1)?);
        writer.write(&[&blocker, &blocked, &time(r.get(2)?)?])?;
    }
    Ok(writer.finish()?)
}

/// Streams the avatars (their pictures as served); they name users, copied before them.
fn copy_avatars(source: &rusqlite::Transaction, tx: &mut postgres::Transaction) -> Result<u64, MigrateError> {
    let sink = tx.copy_in(
        "COPY avatars (user_id, version, small, large, content_type, updated_at) FROM STDIN (FORMAT binary)",
    )?;
    let mut writer = BinaryCopyInWriter::new(
        sink,
        &[Type::INT8, Type::INT8, Type::BYTEA, Type::BYTEA, Type::TEXT, Type::TIMESTAMPTZ],
    );
    let mut select = source.prepare("SELECT user_id, version, small, large, content_type, updated_at FROM avatars")?;
    let mut rows = select.query([])?;
    while let Some(r) = rows.next()? {
        let (user_id, version, small, large, content_type): (i64, i64, Vec<u8>, Vec<u8>, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        writer.write(&[&user_id, &version, &small, &large, &content_type, &time(r.get(5)?)?])?;
    }
    Ok(writer.finish()?)
}

/// Streams the room event log like the messages.
fn copy_events(source: &rusqlite::Transaction, tx: &mut postgres::Transaction) -> Result<u64, MigrateError> {
    let sink =
        tx.copy_in("COPY room_events (room_id, seq, kind, message_id, data, created_at) FROM STDIN (FORMAT binary)")?;
    let mut writer =
        BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8, Type::TEXT, Type::INT8, Type::TEXT, Type::TIMESTAMPTZ]);
    let mut select = source
        .prepare("SELECT room_id, seq, kind, message_id, data, created_at FROM room_events ORDER BY room_id, seq")?;
    let mut rows = select.query([])?;
    while let Some(r) = rows.next()? {
        let (room_id, seq, kind): (i64, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let (message_id, data): (Option<i64>, Option<String>) = (r.get(3)?, r.get(4)?);
        writer.write(&[&room_id, &seq, &kind, &message_id, &data, &time(r.get(5)?)?])?;
    }
    Ok(writer.finish()?)
}

fn copy_sessions(source: &rusqlite::Transaction, tx: &mut postgres::Transaction) -> Result<u64, MigrateError> {
    let sink =
        tx.copy_in("COPY sessions (token_hash, user_id, created_at, last_seen_at) FROM STDIN (FORMAT binary)")?;
    let mut writer = BinaryCopyInWriter::new(sink, &[Type::TEXT, Type::INT8, Type::TIMESTAMPTZ, Type::TIMESTAMPTZ]);
    let mut select = source.prepare("SELECT token_hash, user_id, created_at, last_seen_at FROM sessions")?;
    let mut rows = select.query([])?;
    while let Some(r) = rows.next()? {
        let (token_hash, user_id): (String, i64) = (r.get(0)?, r.get(1)?);
        writer.write(&[&token_hash, &user_id, &time(r.get(2)?)?, &time(r.get(3)?)?])?;
    }
    Ok(writer.finish()?)
}

/// Sets the table's identity counter past every id SQLite ever handed out, including those of
/// deleted rows (`sqlite_sequence`), so ids stay never-reused across the move.
fn restart_identity(
    source: &rusqlite::Transaction,
    tx: &mut postgres::Transaction,
    table: &'static str,
) -> Result<(), MigrateError> {
    let used_by_sqlite: i64 = source
        .query_row("SELECT seq FROM sqlite_sequence WHERE name = ?1", [table], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let max_copied: i64 = tx.query_one(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"), &[])?.try_get(0)?;
    let next = used_by_sqlite.max(max_copied) + 1;
    // ALTER … RESTART is transactional (setval is not): a failed copy leaves no trace.
    tx.batch_execute(&format!("ALTER TABLE {table} ALTER COLUMN id RESTART WITH {next}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SessionLifetime;
    use crate::domain::{
        self, AvatarSize, AvatarVersion, City, CityPrivacy, ClientId, Home, MessageText, RoomDescription, RoomName,
        Username,
    };
    use crate::i18n::Lang;
    use crate::store::postgres::scratch;
    use crate::store::prelude::*;
    use crate::store::{MessageChange, NewAvatar, NewMessage, ProfileChange};

    fn parse(args: &[&str]) -> Result<Command, UsageError> {
        Command::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn no_arguments_serve_and_help_anywhere_prints_usage() {
        assert_eq!(parse(&[]), Ok(Command::Serve));
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert_eq!(parse(&["migrate-sqlite-to-postgres", "-h"]), Ok(Command::Help));
    }

    #[test]
    fn the_migration_takes_from_and_to_in_either_form_and_order() {
        let expected =
            Command::SqliteToPostgres { from: "data/discock.db".into(), to: "postgres://app@db/chat".into() };
        for args in [
            ["migrate-sqlite-to-postgres", "--from", "sqlite://data/discock.db", "--to", "postgres://app@db/chat"]
                .as_slice(),
            ["migrate-sqlite-to-postgres", "--to=postgres://app@db/chat", "--from=sqlite://data/discock.db"].as_slice(),
        ] {
            assert_eq!(parse(args), Ok(expected.clone()));
        }
    }

    #[test]
    fn a_wrong_command_line_is_a_usage_error_that_names_the_problem() {
        for (args, says) in [
            (["serve"].as_slice(), "unknown command"),
            (["migrate-sqlite-to-postgres", "--from", "sqlite://a.db"].as_slice(), "--to"),
            (["migrate-sqlite-to-postgres", "--to", "postgres://db/x"].as_slice(), "--from"),
            (["migrate-sqlite-to-postgres", "--from"].as_slice(), "--from needs a value"),
            (["migrate-sqlite-to-postgres", "--from", "a", "--from", "b"].as_slice(), "twice"),
            (["migrate-sqlite-to-postgres", "--verbose"].as_slice(), "unknown argument"),
            (
                ["migrate-sqlite-to-postgres", "--from", "postgres://db/x", "--to", "postgres://db/y"].as_slice(),
                "--from",
            ),
            (["migrate-sqlite-to-postgres", "--from", "sqlite://a.db", "--to", "sqlite://b.db"].as_slice(), "--to"),
            (["migrate-sqlite-to-postgres", "--from", "sqlite://a.db", "--to", "mysql://db"].as_slice(), "--to"),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.0.contains(says), "{args:?}: {err}");
        }
        let err = parse(&["migrate-sqlite-to-postgres", "--password=s3cret@x"]).unwrap_err();
        assert!(!err.0.contains("s3cret"), "{err}");
    }

    #[test]
    fn a_missing_sqlite_file_is_refused_rather_than_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("typo.db");

        let err = sqlite_to_postgres(&path, "postgres://nobody@127.0.0.1:1/x", Duration::ZERO).unwrap_err();

        assert!(matches!(err, MigrateError::SourceMissing(_)), "{err}");
        assert!(!path.exists());
    }

    /// An SQLite database with two users, three rooms (one a city's, one deleted after use),
    /// messages with and without client ids, a live session and one past the default absolute
    /// limit.
    fn small_sqlite_database(path: &Path) -> (Vec<crate::domain::Message>, crate::domain::Room) {
        let store = SqliteStore::open(path).unwrap();
        let city = Home::typed(City::parse("Самара").unwrap());
        let now = domain::now();
        let alice =
            store.create_user(&Username::parse("Алиса").unwrap(), "h1", &city, Some(Lang::En), now).unwrap().user;
        let bob = store.create_user(&Username::parse("bobby").unwrap(), "h2", &city, None, now).unwrap().user;
        let private = ProfileChange { city_privacy: Some(CityPrivacy::Country), ..ProfileChange::default() };
        store.update_profile(bob.id, &private).unwrap();
        let picture = NewAvatar {
            version: AvatarVersion(7),
            small: vec![1, 2, 3],
            large: vec![4, 5, 6, 0],
            content_type: "image/png",
        };
        let alice = store.set_avatar(alice.id, &picture, now).unwrap();
        let general = store.ensure_default_room(&RoomName::parse("Общий").unwrap(), now).unwrap();
        let kazan = RoomName::parse("Казань").unwrap();
        store.city_room(crate::cities::CityId(551487), &kazan, &kazan, now).unwrap();
        let doomed = store
            .create_room(&RoomName::parse("Временная").unwrap(), &RoomDescription::empty(), alice.id, now)
            .unwrap();
        let say = |room, user: &crate::domain::User, text: &str, client_id: Option<&str>| NewMessage {
            room_id: room,
            user: user.clone(),
            content: MessageText::parse(text).unwrap(),
            client_id: client_id.map(|c| ClientId::parse(c).unwrap()),
            created_at: domain::now(),
            reply_to: None,
            mention_keys: Vec::new(),
        };
        let kept = store
            .insert_messages(&[
                say(general.id, &alice, "привет", Some("c1")),
                say(general.id, &bob, "hi", None),
                say(general.id, &alice, "как дела?", Some("c2")),
            ])
            .unwrap();
        // Worked on after posting: a reaction, an edit with a mention, a pin.
        let ids: Vec<_> = kept.iter().map(|i| i.message.id).collect();
        let thumbs = MessageChange::AddReaction { emoji: crate::emoji::Emoji::parse("👍").unwrap() };
        store.change_message(ids[0], &thumbs, bob.id, now).unwrap();
        let edit = MessageChange::Edit {
            content: MessageText::parse("@bobby как дела?").unwrap(),
            mention_keys: vec!["bobby".into()],
        };
        store.change_message(ids[2], &edit, alice.id, now).unwrap();
        store.change_message(ids[1], &MessageChange::Pin(true), alice.id, now).unwrap();
        store.mark_read(bob.id, general.id, ids[1], now).unwrap();
        store.block(bob.id, alice.id, now).unwrap();
        // The newest message id and the newest room id then belong to deleted rows.
        store.insert_messages(&[say(doomed.id, &bob, "gone soon", None)]).unwrap();
        store.delete_room(doomed.id).unwrap();
        let lifetime = SessionLifetime::default();
        store.create_session("live", alice.id, now, &lifetime).unwrap();
        store.create_session("dead", bob.id, now - chrono::Duration::days(100), &lifetime).unwrap();
        (store.messages_before(general.id, None, 10).unwrap(), general)
    }

    #[test]
    fn a_small_sqlite_database_is_copied_with_ids_seqs_and_timestamps_intact() {
        let Some(db) = scratch::database() else { return };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("discock.db");
        let (messages, general) = small_sqlite_database(&path);

        let copied = sqlite_to_postgres(&path, &db.url, Duration::ZERO).unwrap();

        assert_eq!((copied.users, copied.rooms, copied.messages, copied.sessions), (2, 2, 3, 2));
        assert_eq!((copied.events, copied.reactions), (6, 1), "three messages, three changes; one reaction");
        assert_eq!((copied.read_states, copied.blocks, copied.avatars), (1, 1, 1));
        assert!(messages[2].edited_at.is_some() && messages[1].pinned && messages[0].reactions.len() == 1);
        let pg = PostgresStore::open(&db.url, 1, Duration::ZERO).unwrap();
        assert_eq!(pg.messages_before(general.id, None, 10).unwrap(), messages);
        let rooms = pg.list_rooms().unwrap();
        assert_eq!(rooms[0], general);
        assert_eq!((rooms[1].name.as_str(), rooms[1].city_id.map(|c| c.0)), ("Казань", Some(551487)), "city rooms too");
        assert_eq!(pg.ensure_default_room(&RoomName::parse("Другое").unwrap(), domain::now()).unwrap(), general);
        let lifetime = SessionLifetime::default();
        let account = pg.session_user("live", domain::now(), &lifetime).unwrap().expect("the live session came along");
        assert_eq!(pg.session_user("dead", domain::now(), &lifetime).unwrap(), None, "the ended one stays ended");
        let alice = account.user;
        let bobs = pg.read_states(pg.find_credentials("bobby").unwrap().unwrap().0.user.id).unwrap();
        assert_eq!((bobs[0].last_read_id, bobs[0].unread), (messages[1].id, 1), "read markers came along");
        let bob = pg.find_credentials("bobby").unwrap().unwrap().0;
        let samara = crate::cities::table().link("Самара").map(|c| c.id);
        assert_eq!(
            (bob.city_privacy, bob.home.city_id),
            (CityPrivacy::Country, samara),
            "the city and its privacy came along"
        );
        assert!(samara.is_some(), "Самара is a canonical city");
        let bob = bob.user;
        assert_eq!(pg.blocked_users(bob.id).unwrap(), std::slice::from_ref(&alice), "blocks came along");
        assert_eq!((alice.username.as_str(), account.language), ("Алиса", Some(Lang::En)), "the language came along");
        assert_eq!(alice.avatar_url.map(|url| url.version), Some(AvatarVersion(7)), "the avatar came along");
        let small = pg.avatar(alice.id, AvatarVersion(7), AvatarSize::Small).unwrap().expect("its picture too");
        assert_eq!((small.bytes, small.content_type.as_str()), (vec![1, 2, 3], "image/png"));
        assert_eq!(pg.find_credentials("bobby").unwrap().map(|(a, _)| a.language), Some(None), "and its absence");
        assert_eq!(pg.find_credentials("алиса").unwrap().map(|(a, h)| (a.user.id, h)), Some((alice.id, "h1".into())));
        let resent = NewMessage {
            room_id: general.id,
            user: alice.clone(),
            content: MessageText::parse("привет").unwrap(),
            client_id: Some(ClientId::parse("c1").unwrap()),
            created_at: domain::now(),
            reply_to: None,
            mention_keys: Vec::new(),
        };
        assert_eq!(
            pg.insert_messages(std::slice::from_ref(&resent)).unwrap()[0].message,
            messages[0],
            "client ids came along"
        );
        let next = pg.insert_messages(&[NewMessage { client_id: None, ..resent }]).unwrap().remove(0).message;
        assert_eq!(next.seq, 7, "the room's seq continues");
        assert_eq!(next.id.0, messages[2].id.0 + 2, "the deleted room's message id is not handed out again");
        let room =
            pg.create_room(&RoomName::parse("Новая").unwrap(), &RoomDescription::empty(), alice.id, domain::now());
        assert_eq!(room.unwrap().id.0, general.id.0 + 3, "nor is the deleted room's id");
    }

    #[test]
    fn copying_into_a_database_that_already_has_data_is_refused_and_changes_nothing() {
        let Some(db) = scratch::database() else { return };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("discock.db");
        small_sqlite_database(&path);
        let pg = PostgresStore::open(&db.url, 1, Duration::ZERO).unwrap();
        let existing = pg.ensure_default_room(&RoomName::parse("Общий чат").unwrap(), domain::now()).unwrap();

        let err = sqlite_to_postgres(&path, &db.url, Duration::ZERO).unwrap_err();

        assert!(matches!(err, MigrateError::TargetNotEmpty { users: 0, rooms: 1, messages: 0 }), "{err}");
        assert!(err.to_string().contains("not empty"));
        assert_eq!(pg.list_rooms().unwrap(), [existing]);
    }
}
