//! The SQLite implementation of `Store`: an r2d2 pool of rusqlite connections in WAL mode,
//! and the versioned migrations in `migrations/sqlite/`.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{Conflict, EventStore, Inserted, MessageStore, NewMessage, Page, RoomStore, StoreError, UserStore};
use crate::domain::{City, Message, MessageId, Room, RoomDescription, RoomId, RoomName, User, UserId, Username};
use crate::events::{Change, RoomEvent};

/// Versioned schema changes, applied in order, each once.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/sqlite/001_initial.sql")),
    (2, include_str!("migrations/sqlite/002_room_events.sql")),
];

/// Connections kept open; readers run in parallel with the single writer under WAL.
const POOL_SIZE: u32 = 8;

pub struct SqliteStore {
    pool: Pool<SqliteConnectionManager>,
}

impl SqliteStore {
    /// Opens the file (creating it and its folder), applies pending migrations.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Internal(Box::new(e)))?;
        }
        let manager = SqliteConnectionManager::file(path).with_init(|c| {
            c.execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 5000;",
            )
        });
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let store = SqliteStore { pool };
        store.migrate()?;
        Ok(store)
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
        let current: i64 = conn
            .query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))
            .map_err(internal)?;
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
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

fn internal(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) =>
        {
            StoreError::Unavailable(Box::new(e))
        }
        _ => StoreError::Internal(Box::new(e)),
    }
}

/// Maps a unique-constraint failure to the conflict it means, foreign-key failures to NotFound.
fn write_error(e: rusqlite::Error, conflict: Conflict) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.extended_code {
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                return StoreError::Conflict(conflict)
            }
            rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::NotFound,
            _ => {}
        }
    }
    internal(e)
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn time(us: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(us).single().unwrap_or_default()
}

const ROOM_COLUMNS: &str = "id, name, description, created_by, created_at, is_default";

fn room_from_row(r: &Row<'_>) -> rusqlite::Result<Room> {
    Ok(Room {
        id: RoomId(r.get(0)?),
        name: r.get(1)?,
        description: r.get(2)?,
        created_by: r.get::<_, Option<i64>>(3)?.map(UserId),
        created_at: time(r.get(4)?),
        is_default: r.get(5)?,
    })
}

fn user_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(r.get(at)?),
        username: Username::from_trusted(r.get(at + 1)?),
        city: City::from_trusted(r.get(at + 2)?),
    })
}

const MESSAGE_SELECT: &str =
    "SELECT m.id, m.room_id, m.content, m.created_at, m.client_id, m.seq, u.id, u.username, u.city
     FROM messages m JOIN users u ON u.id = m.user_id";

fn message_from_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    message_from_row_at(r, 0)
}

/// A message from the columns of [`MESSAGE_SELECT`], starting at column `at`.
fn message_from_row_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Message> {
    Ok(Message {
        id: MessageId(r.get(at)?),
        room_id: RoomId(r.get(at + 1)?),
        content: r.get(at + 2)?,
        created_at: time(r.get(at + 3)?),
        client_id: r.get(at + 4)?,
        seq: r.get(at + 5)?,
        user: user_from_row(r, at + 6)?,
    })
}

fn get_room(conn: &Connection, id: RoomId) -> Result<Option<Room>, StoreError> {
    conn.prepare_cached(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE id = ?1"))
        .and_then(|mut s| s.query_row([id.0], room_from_row).optional())
        .map_err(internal)
}

impl UserStore for SqliteStore {
    fn create_user(
        &self,
        username: &Username,
        hash: &str,
        city: &City,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "INSERT INTO users (username, username_key, password_hash, city, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut s| s.insert(params![username.as_str(), username.key(), hash, city.as_str(), micros(now)]))
        .map(|id| User { id: UserId(id), username: username.clone(), city: city.clone() })
        .map_err(|e| write_error(e, Conflict::Username))
    }

    fn find_credentials(&self, username_key: &str) -> Result<Option<(User, String)>, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("SELECT id, username, city, password_hash FROM users WHERE username_key = ?1")
            .and_then(|mut s| s.query_row([username_key], |r| Ok((user_from_row(r, 0)?, r.get(3)?))).optional())
            .map_err(internal)
    }

    fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("DELETE FROM sessions WHERE expires_at <= ?1")
            .and_then(|mut s| s.execute([micros(now)]))
            .map_err(internal)?;
        conn.prepare_cached(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut s| s.execute(params![token_hash, user.0, micros(now), micros(expires_at)]))
        .map_err(|e| write_error(e, Conflict::Username))?;
        Ok(())
    }

    fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "SELECT u.id, u.username, u.city FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND s.expires_at > ?2",
        )
        .and_then(|mut s| s.query_row(params![token_hash, micros(now)], |r| user_from_row(r, 0)).optional())
        .map_err(internal)
    }

    fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")
            .and_then(|mut s| s.execute([token_hash]))
            .map_err(internal)?;
        Ok(())
    }
}

impl RoomStore for SqliteStore {
    fn ensure_default_room(&self, name: &RoomName, now: DateTime<Utc>) -> Result<Room, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
        let existing = tx
            .query_row(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE is_default = 1"), [], room_from_row)
            .optional()
            .map_err(internal)?;
        let room = match existing {
            Some(room) => room,
            None => {
                let adopted = tx
                    .query_row(
                        &format!("UPDATE rooms SET is_default = 1 WHERE name_key = ?1 RETURNING {ROOM_COLUMNS}"),
                        [name.key()],
                        room_from_row,
                    )
                    .optional()
                    .map_err(internal)?;
                match adopted {
                    Some(room) => room,
                    None => tx
                        .query_row(
                            &format!(
                                "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at)
                                 VALUES (?1, ?2, '', NULL, 1, ?3) RETURNING {ROOM_COLUMNS}"
                            ),
                            params![name.as_str(), name.key(), micros(now)],
                            room_from_row,
                        )
                        .map_err(internal)?,
                }
            }
        };
        tx.commit().map_err(internal)?;
        Ok(room)
    }

    fn list_rooms(&self) -> Result<Vec<Room>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {ROOM_COLUMNS} FROM rooms ORDER BY created_at, id"))
            .map_err(internal)?;
        let rooms = stmt.query_map([], room_from_row).and_then(|rows| rows.collect()).map_err(internal);
        rooms
    }

    fn get_room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        get_room(&*self.conn()?, id)
    }

    fn create_room(
        &self,
        name: &RoomName,
        description: &RoomDescription,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Room, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(&format!(
            "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5) RETURNING {ROOM_COLUMNS}"
        ))
        .and_then(|mut s| {
            s.query_row(params![name.as_str(), name.key(), description.as_str(), by.0, micros(now)], room_from_row)
        })
        .map_err(|e| write_error(e, Conflict::RoomName))
    }

    fn update_room(
        &self,
        id: RoomId,
        name: Option<&RoomName>,
        description: Option<&RoomDescription>,
        now: DateTime<Utc>,
    ) -> Result<(Room, i64), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
        let (room, seq) = tx
            .prepare_cached(&format!(
                "UPDATE rooms SET name = COALESCE(?2, name), name_key = COALESCE(?3, name_key),
                                  description = COALESCE(?4, description), last_seq = last_seq + 1
                 WHERE id = ?1 RETURNING {ROOM_COLUMNS}, last_seq"
            ))
            .and_then(|mut s| {
                s.query_row(
                    params![
                        id.0,
                        name.map(RoomName::as_str),
                        name.map(RoomName::key),
                        description.map(RoomDescription::as_str)
                    ],
                    |r| Ok((room_from_row(r)?, r.get::<_, i64>(6)?)),
                )
                .optional()
            })
            .map_err(|e| write_error(e, Conflict::RoomName))?
            .ok_or(StoreError::NotFound)?;
        let event = RoomEvent { room_id: id, seq, change: Change::RoomUpdated { room: room.clone() } };
        log_event(&tx, &event, now)?;
        tx.commit().map_err(internal)?;
        Ok((room, seq))
    }

    fn room_seq(&self, id: RoomId) -> Result<Option<i64>, StoreError> {
        room_seq(&*self.conn()?, id)
    }

    fn delete_room(&self, id: RoomId) -> Result<(), StoreError> {
        let conn = self.conn()?;
        let deleted = conn
            .prepare_cached("DELETE FROM rooms WHERE id = ?1")
            .and_then(|mut s| s.execute([id.0]))
            .map_err(internal)?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

impl MessageStore for SqliteStore {
    fn insert_messages(&self, batch: &[NewMessage]) -> Result<Vec<Inserted>, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
        let mut out = Vec::with_capacity(batch.len());
        {
            let mut existing_by_client = tx
                .prepare_cached(&format!("{MESSAGE_SELECT} WHERE m.user_id = ?1 AND m.client_id = ?2"))
                .map_err(internal)?;
            // Each room's last seq is read once per batch and written back once at the end
            // (the transaction holds the write lock), not updated row by row.
            let mut last_seq_of = tx.prepare_cached("SELECT last_seq FROM rooms WHERE id = ?1").map_err(internal)?;
            let mut last_seqs: Vec<(RoomId, i64)> = Vec::new();
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO messages (room_id, user_id, content, client_id, seq, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(internal)?;
            let mut log = tx
                .prepare_cached(
                    "INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at)
                     VALUES (?1, ?2, 'message_created', ?3, NULL, ?4)",
                )
                .map_err(internal)?;
            for m in batch {
                let client_id = m.client_id.as_ref().map(|c| c.as_str());
                if let Some(client_id) = client_id {
                    // Also catches a repeat within this very batch: earlier rows are visible.
                    let earlier = existing_by_client
                        .query_row(params![m.user.id.0, client_id], message_from_row)
                        .optional()
                        .map_err(internal)?;
                    if let Some(message) = earlier {
                        out.push(Inserted { message, fresh: false });
                        continue;
                    }
                }
                let seq = match last_seqs.iter_mut().find(|(room, _)| *room == m.room_id) {
                    Some((_, last)) => {
                        *last += 1;
                        *last
                    }
                    None => {
                        let last: i64 = last_seq_of
                            .query_row([m.room_id.0], |r| r.get(0))
                            .optional()
                            .map_err(internal)?
                            .ok_or(StoreError::NotFound)?;
                        last_seqs.push((m.room_id, last + 1));
                        last + 1
                    }
                };
                insert
                    .execute(params![
                        m.room_id.0,
                        m.user.id.0,
                        m.content.as_str(),
                        client_id,
                        seq,
                        micros(m.created_at)
                    ])
                    .map_err(|e| write_error(e, Conflict::RoomName))?;
                let id = tx.last_insert_rowid();
                log.execute(params![m.room_id.0, seq, id, micros(m.created_at)]).map_err(internal)?;
                out.push(Inserted {
                    message: Message {
                        id: MessageId(id),
                        room_id: m.room_id,
                        content: m.content.as_str().to_owned(),
                        created_at: m.created_at,
                        client_id: client_id.map(str::to_owned),
                        user: m.user.clone(),
                        seq,
                    },
                    fresh: true,
                });
            }
            let mut save_seq = tx.prepare_cached("UPDATE rooms SET last_seq = ?2 WHERE id = ?1").map_err(internal)?;
            for (room, last) in last_seqs {
                save_seq.execute(params![room.0, last]).map_err(internal)?;
            }
        }
        tx.commit().map_err(internal)?;
        Ok(out)
    }

    fn messages_before(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Vec<Message>, StoreError> {
        messages_before(&*self.conn()?, room, before, limit)
    }

    fn history(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Option<Page>, StoreError> {
        let mut conn = self.conn()?;
        // One read transaction: under WAL both reads see the same snapshot, so no message
        // committed in between can fall between the page and the seq.
        let tx = conn.transaction().map_err(internal)?;
        let Some(seq) = room_seq(&tx, room)? else { return Ok(None) };
        let messages = messages_before(&tx, room, before, limit)?;
        tx.commit().map_err(internal)?;
        Ok(Some(Page { messages, seq }))
    }
}

impl EventStore for SqliteStore {
    fn events_after(&self, room: RoomId, after: i64, limit: u32) -> Result<Vec<RoomEvent>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT e.room_id, e.seq, e.kind, e.data,
                        m.id, m.room_id, m.content, m.created_at, m.client_id, m.seq, u.id, u.username, u.city
                 FROM room_events e
                 LEFT JOIN messages m ON m.id = e.message_id
                 LEFT JOIN users u ON u.id = m.user_id
                 WHERE e.room_id = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3",
            )
            .map_err(internal)?;
        let rows = stmt
            .query_map(params![room.0, after, limit], |r| {
                let kind: String = r.get(2)?;
                let data: Option<String> = r.get(3)?;
                let message = match r.get::<_, Option<i64>>(4)? {
                    Some(_) => Some(message_from_row_at(r, 4)?),
                    None => None,
                };
                Ok((RoomId(r.get(0)?), r.get::<_, i64>(1)?, kind, data, message))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(internal)?;
        rows.into_iter()
            .map(|(room_id, seq, kind, data, message)| super::event_from_parts(room_id, seq, &kind, data, message))
            .collect()
    }
}

fn room_seq(conn: &Connection, id: RoomId) -> Result<Option<i64>, StoreError> {
    conn.prepare_cached("SELECT last_seq FROM rooms WHERE id = ?1")
        .and_then(|mut s| s.query_row([id.0], |r| r.get(0)).optional())
        .map_err(internal)
}

fn messages_before(
    conn: &Connection,
    room: RoomId,
    before: Option<MessageId>,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("{MESSAGE_SELECT} WHERE m.room_id = ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3"))
        .map_err(internal)?;
    let mut messages: Vec<Message> = stmt
        .query_map(params![room.0, before.map_or(i64::MAX, |b| b.0), limit], message_from_row)
        .and_then(|rows| rows.collect())
        .map_err(internal)?;
    messages.reverse();
    Ok(messages)
}

/// Appends a room change other than a new message to the log (inside the change's transaction).
fn log_event(conn: &Connection, event: &RoomEvent, now: DateTime<Utc>) -> Result<(), StoreError> {
    let data = super::event_data(&event.change)?;
    conn.prepare_cached(
        "INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at) VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
    )
    .and_then(|mut s| s.execute(params![event.room_id.0, event.seq, event.change.kind(), data, micros(now)]))
    .map_err(internal)?;
    Ok(())
}
