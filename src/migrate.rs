//! `discock migrate-sqlite-to-postgres`: copies a whole SQLite database into an empty
//! PostgreSQL one, keeping every id (the command line itself is read in `cli`).
//!
//! Blocking throughout (SQLite and the synchronous PostgreSQL client): run it outside any
//! async runtime, as `main` does.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use rusqlite::{OpenFlags, OptionalExtension};

use crate::store::postgres::PostgresStore;
use crate::store::sqlite::SqliteStore;
use crate::store::StoreError;

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
mod tests;
