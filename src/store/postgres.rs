//! The PostgreSQL implementation of `Store`: an r2d2 pool of synchronous `postgres` clients
//! (each keeping its prepared statements), start-up that waits for the server to come up, and
//! the versioned migrations in `migrations/postgres/`. Several instances may share one database.
//!
//! Blocking, like every `Store`: the `postgres` crate drives its own small runtime and panics
//! when called from async code, so reach it only through `Db` (or before serving).
//!
//! Connections are plain TCP (`NoTls`). Managed PostgreSQL that requires TLS needs a TLS
//! connector here (`postgres-native-tls` or `postgres-openssl`); that can come later.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Row, Statement};
use r2d2::{ManageConnection, Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;

use super::{Conflict, EventStore, Inserted, MessageStore, NewMessage, Page, RoomStore, StoreError, UserStore};
use crate::config::redact_url;
use crate::domain::{
    City, ClientId, Message, MessageId, Room, RoomDescription, RoomId, RoomName, User, UserId, Username,
};
use crate::events::{Change, RoomEvent};

/// Versioned schema changes, applied in order, each once.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/postgres/001_initial.sql")),
    (2, include_str!("migrations/postgres/002_room_events.sql")),
];

/// How long a call waits for a pooled connection before answering `Unavailable` (HTTP 503):
/// short, so requests fail fast while PostgreSQL is down instead of piling up.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(3);
/// Bound on one TCP connect, at start-up and for each new pooled connection.
const CONNECT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
/// Start-up waits this long after the first failed connect, doubling up to `MAX_RETRY_DELAY`.
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(200);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(5);
/// Pool connection failures are logged at most this often; the rest go to DEBUG.
const CONNECT_ERROR_LOG_EVERY: Duration = Duration::from_secs(10);

/// `pg_advisory_xact_lock` keys ("discock" in ASCII, then a number), held for one
/// transaction so that instances starting together do not race.
const MIGRATION_LOCK: i64 = 0x6469_7363_6f63_6b01;
const DEFAULT_ROOM_LOCK: i64 = 0x6469_7363_6f63_6b02;

/// Names from `001_initial.sql`, used to tell unique violations apart.
const USERNAME_UNIQUE: &str = "users_username_key_unique";
const ROOM_NAME_UNIQUE: &str = "rooms_name_key_unique";
const CLIENT_ID_UNIQUE: &str = "messages_client_id";

macro_rules! room_columns {
    () => {
        "id, name, description, created_by, created_at, is_default"
    };
}

macro_rules! message_select {
    () => {
        "SELECT m.id, m.room_id, m.content, m.created_at, m.client_id, m.seq, u.id, u.username, u.city
         FROM messages m JOIN users u ON u.id = m.user_id"
    };
}

/// How a store connects; [`PostgresStore::open`] fills in the defaults, tests shorten the waits.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    /// Most connections kept open.
    pub pool_size: u32,
    /// How long start-up keeps retrying; zero tries once.
    pub connect_timeout: Duration,
    /// How long a call waits for a pooled connection.
    pub checkout_timeout: Duration,
}

/// `Store` on a PostgreSQL database shared by every instance of a deployment.
pub struct PostgresStore {
    pool: Pool<Manager>,
}

impl PostgresStore {
    /// Connects to `url` (retrying with backoff until `connect_timeout` has passed), applies
    /// pending migrations and starts a pool of at most `pool_size` connections. Blocking.
    ///
    /// An unreachable server gives `StoreError::Unavailable` naming host and port (never the
    /// password); a server that answers but refuses (bad password, missing database) fails at
    /// once with `StoreError::Internal`.
    pub fn open(url: &str, pool_size: u32, connect_timeout: Duration) -> Result<Self, StoreError> {
        Self::open_with(url, &Options { pool_size, connect_timeout, checkout_timeout: CHECKOUT_TIMEOUT })
    }

    pub(crate) fn open_with(url: &str, options: &Options) -> Result<Self, StoreError> {
        let config = client_config(url)?;
        let mut client = connect_with_retry(&config, options.connect_timeout)?;
        migrate(&mut client)?;
        drop(client);
        // Unchecked: the server was just reachable, and if it went away again the pool keeps
        // trying in the background while calls answer `Unavailable`.
        // Grows on demand up to `pool_size` and keeps one connection warm: several instances
        // (and test suites) share the server's `max_connections`, so none are held idle for
        // nothing. Connections idle for 10 minutes beyond that one are closed.
        let pool = Pool::builder()
            .max_size(options.pool_size)
            .min_idle(Some(1))
            .connection_timeout(options.checkout_timeout)
            .error_handler(Box::new(LogConnectErrors::default()))
            .build_unchecked(Manager(PostgresConnectionManager::new(config, NoTls)));
        Ok(PostgresStore { pool })
    }

    /// A pooled connection for work outside the `Store` trait (the SQLite → PostgreSQL copy).
    pub(crate) fn connection(&self) -> Result<PooledConnection<Manager>, StoreError> {
        self.pool.get().map_err(|e| StoreError::Unavailable(Box::new(e)))
    }
}

/// The driver's config for `url`, with this server's timeouts unless the URL sets its own.
fn client_config(url: &str) -> Result<postgres::Config, StoreError> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Internal(format!("invalid PostgreSQL URL {}: {e}", redact_url(url)).into()))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_ATTEMPT_TIMEOUT);
    }
    if config.get_tcp_user_timeout().is_none() {
        // A server that vanished without closing the socket fails the next query within this
        // time instead of the kernel's ~15 minutes of retransmissions.
        config.tcp_user_timeout(Duration::from_secs(20));
    }
    // Idle pooled connections to a vanished server are noticed within a minute, not two hours.
    config.keepalives_idle(Duration::from_secs(30));
    if config.get_application_name().is_none() {
        config.application_name("discock");
    }
    Ok(config)
}

/// `host:port` of every host the config names, for messages (no user, no password).
fn describe_target(config: &postgres::Config) -> String {
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            match host {
                postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                postgres::config::Host::Unix(dir) => format!("{}/.s.PGSQL.{port}", dir.display()),
            }
        })
        .collect();
    hosts.join(", ")
}

/// Connects, retrying transient failures with exponential backoff until `patience` has passed.
fn connect_with_retry(config: &postgres::Config, patience: Duration) -> Result<Client, StoreError> {
    let target = describe_target(config);
    let deadline = Instant::now() + patience;
    let mut delay = FIRST_RETRY_DELAY;
    let mut attempt: u32 = 1;
    loop {
        match config.connect(NoTls) {
            Ok(client) => {
                if attempt > 1 {
                    tracing::info!(attempt, "connected to PostgreSQL at {target}");
                }
                return Ok(client);
            }
            Err(e) if is_unavailable(&e) => {
                let now = Instant::now();
                if now >= deadline {
                    let attempts = if attempt == 1 { "1 attempt".to_owned() } else { format!("{attempt} attempts") };
                    return Err(StoreError::Unavailable(
                        format!(
                            "PostgreSQL at {target} not reachable after {} s ({attempts}): {}",
                            patience.as_secs(),
                            with_causes(&e)
                        )
                        .into(),
                    ));
                }
                let wait = delay.min(deadline - now);
                tracing::warn!(attempt, error = %with_causes(&e), retry_in_ms = wait.as_millis() as u64, "PostgreSQL at {target} not reachable yet");
                std::thread::sleep(wait);
                delay = (delay * 2).min(MAX_RETRY_DELAY);
                attempt += 1;
            }
            Err(e) => {
                return Err(StoreError::Internal(
                    format!("PostgreSQL at {target} refused the connection: {}", with_causes(&e)).into(),
                ))
            }
        }
    }
}

/// Brings the schema up to date, one migration per transaction.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let newest_known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    loop {
        let mut tx = client.transaction().map_err(internal)?;
        // Two instances may start at once against one empty database: the second waits here
        // until the first has committed, then finds the migration applied.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(internal)?;
        tx.batch_execute(
            "SET LOCAL client_min_messages = warning;
             CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL);",
        )
        .map_err(internal)?;
        let current: i64 = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])
            .and_then(|r| r.try_get(0))
            .map_err(internal)?;
        let Some((version, sql)) = MIGRATIONS.iter().find(|(v, _)| *v > current) else {
            tx.commit().map_err(internal)?;
            if current > newest_known {
                tracing::warn!(current, newest_known, "the PostgreSQL schema is newer than this build");
            }
            return Ok(());
        };
        tx.batch_execute(sql).map_err(internal)?;
        tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", &[version, &Utc::now()])
            .map_err(internal)?;
        tx.commit().map_err(internal)?;
        tracing::info!(version, "applied PostgreSQL migration");
    }
}

/// An error with its causes on one line: the driver's own message is often just
/// "error connecting to server" or "db error", with the useful part in its source.
pub(crate) fn with_causes(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// The server went away, is restarting or refuses more connections: worth a retry later.
fn is_unavailable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let code = code.code();
        // 08xxx connection exceptions; 57P01 admin shutdown, 57P02 crash shutdown,
        // 57P03 cannot connect now (starting up); 53300 too many connections.
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300");
    }
    // Transport failures (connect, read, write, connect timeout) carry the io::Error behind them.
    std::error::Error::source(e).is_some_and(|cause| cause.is::<std::io::Error>())
}

/// A driver error whose message carries its causes, so a start-up failure prints
/// "db error: ERROR: permission denied for schema public" rather than "db error".
#[derive(Debug)]
struct PgError(postgres::Error);

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&with_causes(&self.0))
    }
}

/// No `source`: the message already holds the chain, and logging it twice helps nobody.
impl std::error::Error for PgError {}

fn internal(e: postgres::Error) -> StoreError {
    if is_unavailable(&e) {
        StoreError::Unavailable(Box::new(PgError(e)))
    } else {
        StoreError::Internal(Box::new(PgError(e)))
    }
}

fn constraint(e: &postgres::Error) -> Option<&str> {
    e.as_db_error().and_then(|d| d.constraint())
}

/// Maps a unique violation to the conflict its constraint means (`fallback` for any other
/// unique rule, as SQLite does), foreign-key violations to NotFound.
fn write_error(e: postgres::Error, fallback: Conflict) -> StoreError {
    match e.code() {
        Some(code) if *code == SqlState::UNIQUE_VIOLATION => StoreError::Conflict(match constraint(&e) {
            Some(USERNAME_UNIQUE) => Conflict::Username,
            Some(ROOM_NAME_UNIQUE) => Conflict::RoomName,
            _ => fallback,
        }),
        Some(code) if *code == SqlState::FOREIGN_KEY_VIOLATION => StoreError::NotFound,
        _ => internal(e),
    }
}

/// r2d2's manager from `r2d2_postgres`, with a per-connection statement cache on top.
#[derive(Debug)]
pub(crate) struct Manager(PostgresConnectionManager<NoTls>);

impl ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        self.0.connect().map(|client| PgConn { client: Some(client), prepared: Prepared::default() })
    }

    /// Runs on every checkout, so a connection the server dropped is replaced, not handed out.
    fn is_valid(&self, conn: &mut PgConn) -> Result<(), postgres::Error> {
        self.0.is_valid(conn.client())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        self.0.has_broken(conn.client())
    }
}

/// One pooled connection and the statements prepared on it.
pub(crate) struct PgConn {
    /// Always `Some`, except while being dropped.
    client: Option<Client>,
    prepared: Prepared,
}

impl PgConn {
    /// The underlying client.
    pub(crate) fn client(&mut self) -> &mut Client {
        self.client.as_mut().expect("the client is only taken when the connection is dropped")
    }

    /// The client and the statement cache, borrowed apart so a transaction can use the cache.
    fn split(&mut self) -> (&mut Client, &mut Prepared) {
        (self.client.as_mut().expect("the client is only taken when the connection is dropped"), &mut self.prepared)
    }
}

impl Drop for PgConn {
    /// Closing a `postgres::Client` blocks on its own runtime, which panics inside an async
    /// runtime (a store dropped by async code, say at the end of an async test); such a
    /// client is closed on a thread of its own instead.
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                std::thread::spawn(move || drop(client));
            }
        }
    }
}

/// Statements prepared on one connection, by their SQL. A statement stays valid as long as the
/// connection; r2d2 replaces connections after 30 minutes, which also bounds how long a
/// statement outlives a schema change made by another instance.
#[derive(Default)]
struct Prepared(HashMap<&'static str, Statement>);

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl Prepared {
    fn statement(&mut self, c: &mut impl GenericClient, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.0.get(sql) {
            return Ok(statement.clone());
        }
        let statement = c.prepare(sql)?;
        self.0.insert(sql, statement.clone());
        Ok(statement)
    }

    fn query(&mut self, c: &mut impl GenericClient, sql: &'static str, p: Params) -> Result<Vec<Row>, postgres::Error> {
        let statement = self.statement(c, sql)?;
        c.query(&statement, p)
    }

    fn query_opt(
        &mut self,
        c: &mut impl GenericClient,
        sql: &'static str,
        p: Params,
    ) -> Result<Option<Row>, postgres::Error> {
        let statement = self.statement(c, sql)?;
        c.query_opt(&statement, p)
    }

    fn query_one(&mut self, c: &mut impl GenericClient, sql: &'static str, p: Params) -> Result<Row, postgres::Error> {
        let statement = self.statement(c, sql)?;
        c.query_one(&statement, p)
    }

    fn execute(&mut self, c: &mut impl GenericClient, sql: &'static str, p: Params) -> Result<u64, postgres::Error> {
        let statement = self.statement(c, sql)?;
        c.execute(&statement, p)
    }
}

/// Logs pool connection failures at WARN, at most once per `CONNECT_ERROR_LOG_EVERY`: while
/// PostgreSQL is down the pool retries several times a second.
#[derive(Debug, Default)]
struct LogConnectErrors {
    last_warned: Mutex<Option<Instant>>,
}

impl r2d2::HandleError<postgres::Error> for LogConnectErrors {
    fn handle_error(&self, error: postgres::Error) {
        let mut last = self.last_warned.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.is_none_or(|at| at.elapsed() >= CONNECT_ERROR_LOG_EVERY) {
            *last = Some(Instant::now());
            tracing::warn!(
                error = %with_causes(&error),
                "cannot open a PostgreSQL connection (repeats within 10 s are logged at DEBUG)"
            );
        } else {
            tracing::debug!(error = %with_causes(&error), "cannot open a PostgreSQL connection");
        }
    }
}

fn room_from_row(r: &Row) -> Result<Room, postgres::Error> {
    Ok(Room {
        id: RoomId(r.try_get(0)?),
        name: r.try_get(1)?,
        description: r.try_get(2)?,
        created_by: r.try_get::<_, Option<i64>>(3)?.map(UserId),
        created_at: r.try_get(4)?,
        is_default: r.try_get(5)?,
    })
}

fn user_from_row(r: &Row, at: usize) -> Result<User, postgres::Error> {
    Ok(User {
        id: UserId(r.try_get(at)?),
        username: Username::from_trusted(r.try_get(at + 1)?),
        city: City::from_trusted(r.try_get(at + 2)?),
    })
}

fn message_from_row(r: &Row) -> Result<Message, postgres::Error> {
    message_from_row_at(r, 0)
}

/// A message from the columns of `message_select!`, starting at column `at`.
fn message_from_row_at(r: &Row, at: usize) -> Result<Message, postgres::Error> {
    Ok(Message {
        id: MessageId(r.try_get(at)?),
        room_id: RoomId(r.try_get(at + 1)?),
        content: r.try_get(at + 2)?,
        created_at: r.try_get(at + 3)?,
        client_id: r.try_get(at + 4)?,
        seq: r.try_get(at + 5)?,
        user: user_from_row(r, at + 6)?,
    })
}

fn rows<T>(rows: Vec<Row>, from_row: fn(&Row) -> Result<T, postgres::Error>) -> Result<Vec<T>, StoreError> {
    rows.iter().map(from_row).collect::<Result<_, _>>().map_err(internal)
}

/// Why one attempt at a batch failed.
enum BatchError {
    Db(postgres::Error),
    /// A message's room does not exist.
    MissingRoom,
}

impl From<postgres::Error> for BatchError {
    fn from(e: postgres::Error) -> Self {
        BatchError::Db(e)
    }
}

/// One transaction storing a batch; see [`Store::insert_messages`].
fn insert_batch(conn: &mut PgConn, batch: &[NewMessage]) -> Result<Vec<Inserted>, BatchError> {
    const LOCK_ROOMS: &str = "SELECT id FROM rooms WHERE id = ANY($1) ORDER BY id FOR UPDATE";
    const BY_CLIENT_ID: &str = concat!(message_select!(), " WHERE m.user_id = $1 AND m.client_id = $2");
    // The room's next seq, the row and its entry in the log in one round trip; no room, no row.
    const INSERT: &str = "WITH next AS (UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq),
              stored AS (INSERT INTO messages (room_id, user_id, content, client_id, seq, created_at)
                         SELECT $1::BIGINT, $2::BIGINT, $3::TEXT, $4::TEXT, next.last_seq, $5::TIMESTAMPTZ FROM next
                         RETURNING id, seq)
         INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at)
         SELECT $1::BIGINT, stored.seq, 'message_created', stored.id, NULL, $5::TIMESTAMPTZ FROM stored
         RETURNING message_id, seq";

    let (client, prepared) = conn.split();
    let mut tx = client.transaction()?;
    // Lock the batch's rooms in ascending id order before anything else: two instances
    // committing batches over the same rooms then queue instead of deadlocking, and a room's
    // seqs and ids grow together across instances.
    let mut room_ids: Vec<i64> = batch.iter().map(|m| m.room_id.0).collect();
    room_ids.sort_unstable();
    room_ids.dedup();
    let locked: HashSet<i64> =
        prepared.query(&mut tx, LOCK_ROOMS, &[&room_ids])?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;

    let mut out = Vec::with_capacity(batch.len());
    for m in batch {
        let client_id = m.client_id.as_ref().map(ClientId::as_str);
        if let Some(client_id) = client_id {
            // Also catches a repeat within this very batch: earlier rows are visible.
            if let Some(row) = prepared.query_opt(&mut tx, BY_CLIENT_ID, &[&m.user.id.0, &client_id])? {
                out.push(Inserted { message: message_from_row(&row)?, fresh: false });
                continue;
            }
        }
        if !locked.contains(&m.room_id.0) {
            return Err(BatchError::MissingRoom);
        }
        let row = prepared
            .query_opt(&mut tx, INSERT, &[&m.room_id.0, &m.user.id.0, &m.content.as_str(), &client_id, &m.created_at])?
            .ok_or(BatchError::MissingRoom)?;
        out.push(Inserted {
            message: Message {
                id: MessageId(row.try_get(0)?),
                room_id: m.room_id,
                content: m.content.as_str().to_owned(),
                created_at: m.created_at,
                client_id: client_id.map(str::to_owned),
                user: m.user.clone(),
                seq: row.try_get(1)?,
            },
            fresh: true,
        });
    }
    tx.commit()?;
    Ok(out)
}

impl UserStore for PostgresStore {
    fn create_user(
        &self,
        username: &Username,
        hash: &str,
        city: &City,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        const SQL: &str = "INSERT INTO users (username, username_key, password_hash, city, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let row = prepared
            .query_one(client, SQL, &[&username.as_str(), &username.key(), &hash, &city.as_str(), &now])
            .map_err(|e| write_error(e, Conflict::Username))?;
        let id = row.try_get(0).map_err(internal)?;
        Ok(User { id: UserId(id), username: username.clone(), city: city.clone() })
    }

    fn find_credentials(&self, username_key: &str) -> Result<Option<(User, String)>, StoreError> {
        const SQL: &str = "SELECT id, username, city, password_hash FROM users WHERE username_key = $1";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query_opt(client, SQL, &[&username_key])
            .and_then(|row| row.map(|r| Ok((user_from_row(&r, 0)?, r.try_get(3)?))).transpose())
            .map_err(internal)
    }

    fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        const PURGE: &str = "DELETE FROM sessions WHERE expires_at <= $1";
        const INSERT: &str =
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared.execute(client, PURGE, &[&now]).map_err(internal)?;
        prepared
            .execute(client, INSERT, &[&token_hash, &user.0, &now, &expires_at])
            .map_err(|e| write_error(e, Conflict::Username))?;
        Ok(())
    }

    fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>, StoreError> {
        const SQL: &str = "SELECT u.id, u.username, u.city FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query_opt(client, SQL, &[&token_hash, &now])
            .and_then(|row| row.map(|r| user_from_row(&r, 0)).transpose())
            .map_err(internal)
    }

    fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared.execute(client, "DELETE FROM sessions WHERE token_hash = $1", &[&token_hash]).map_err(internal)?;
        Ok(())
    }
}

impl RoomStore for PostgresStore {
    fn ensure_default_room(&self, name: &RoomName, now: DateTime<Utc>) -> Result<Room, StoreError> {
        let mut conn = self.connection()?;
        let mut tx = conn.client().transaction().map_err(internal)?;
        // Instances starting together must not both create (or adopt) the default room.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DEFAULT_ROOM_LOCK]).map_err(internal)?;
        let existing =
            tx.query_opt(concat!("SELECT ", room_columns!(), " FROM rooms WHERE is_default"), &[]).map_err(internal)?;
        let row = match existing {
            Some(row) => row,
            None => {
                let adopted = tx
                    .query_opt(
                        concat!("UPDATE rooms SET is_default = TRUE WHERE name_key = $1 RETURNING ", room_columns!()),
                        &[&name.key()],
                    )
                    .map_err(internal)?;
                match adopted {
                    Some(row) => row,
                    None => tx
                        .query_one(
                            concat!(
                                "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at)
                                 VALUES ($1, $2, '', NULL, TRUE, $3) RETURNING ",
                                room_columns!()
                            ),
                            &[&name.as_str(), &name.key(), &now],
                        )
                        .map_err(internal)?,
                }
            }
        };
        let room = room_from_row(&row).map_err(internal)?;
        tx.commit().map_err(internal)?;
        Ok(room)
    }

    fn list_rooms(&self) -> Result<Vec<Room>, StoreError> {
        const SQL: &str = concat!("SELECT ", room_columns!(), " FROM rooms ORDER BY created_at, id");
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        rows(prepared.query(client, SQL, &[]).map_err(internal)?, room_from_row)
    }

    fn get_room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        const SQL: &str = concat!("SELECT ", room_columns!(), " FROM rooms WHERE id = $1");
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query_opt(client, SQL, &[&id.0])
            .and_then(|row| row.as_ref().map(room_from_row).transpose())
            .map_err(internal)
    }

    fn create_room(
        &self,
        name: &RoomName,
        description: &RoomDescription,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Room, StoreError> {
        const SQL: &str = concat!(
            "INSERT INTO rooms (name, name_key, description, created_by, is_default, created_at)
             VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING ",
            room_columns!()
        );
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let row = prepared
            .query_one(client, SQL, &[&name.as_str(), &name.key(), &description.as_str(), &by.0, &now])
            .map_err(|e| write_error(e, Conflict::RoomName))?;
        room_from_row(&row).map_err(internal)
    }

    fn update_room(
        &self,
        id: RoomId,
        name: Option<&RoomName>,
        description: Option<&RoomDescription>,
        now: DateTime<Utc>,
    ) -> Result<(Room, i64), StoreError> {
        const UPDATE: &str = concat!(
            "UPDATE rooms SET name = COALESCE($2, name), name_key = COALESCE($3, name_key),
                              description = COALESCE($4, description), last_seq = last_seq + 1
             WHERE id = $1 RETURNING ",
            room_columns!(),
            ", last_seq"
        );
        const LOG: &str = "INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at)
             VALUES ($1, $2, $3, NULL, $4, $5)";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let mut tx = client.transaction().map_err(internal)?;
        let row = prepared
            .query_opt(
                &mut tx,
                UPDATE,
                &[
                    &id.0,
                    &name.map(RoomName::as_str),
                    &name.map(RoomName::key),
                    &description.map(RoomDescription::as_str),
                ],
            )
            .map_err(|e| write_error(e, Conflict::RoomName))?
            .ok_or(StoreError::NotFound)?;
        let room = room_from_row(&row).map_err(internal)?;
        let seq: i64 = row.try_get(6).map_err(internal)?;
        let event = RoomEvent { room_id: id, seq, change: Change::RoomUpdated { room: room.clone() } };
        let data = super::event_data(&event.change)?;
        prepared.execute(&mut tx, LOG, &[&id.0, &seq, &event.change.kind(), &data, &now]).map_err(internal)?;
        tx.commit().map_err(internal)?;
        Ok((room, seq))
    }

    fn room_seq(&self, id: RoomId) -> Result<Option<i64>, StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared
            .query_opt(client, "SELECT last_seq FROM rooms WHERE id = $1", &[&id.0])
            .and_then(|row| row.map(|r| r.try_get(0)).transpose())
            .map_err(internal)
    }

    fn delete_room(&self, id: RoomId) -> Result<(), StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let deleted = prepared.execute(client, "DELETE FROM rooms WHERE id = $1", &[&id.0]).map_err(internal)?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

impl MessageStore for PostgresStore {
    fn insert_messages(&self, batch: &[NewMessage]) -> Result<Vec<Inserted>, StoreError> {
        let mut conn = self.connection()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match insert_batch(&mut conn, batch) {
                Ok(inserted) => return Ok(inserted),
                Err(BatchError::MissingRoom) => return Err(StoreError::NotFound),
                // Another instance stored the same (user, client_id) between our look-up and
                // our insert (a client resending through a second instance). Its row is
                // committed now, so a second run of the batch finds it and answers with it.
                Err(BatchError::Db(e)) if attempt < 3 && constraint(&e) == Some(CLIENT_ID_UNIQUE) => {
                    tracing::debug!(
                        attempt,
                        "a client_id was stored by another instance meanwhile; retrying the batch"
                    );
                }
                Err(BatchError::Db(e)) => return Err(write_error(e, Conflict::RoomName)),
            }
        }
    }

    fn messages_before(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Vec<Message>, StoreError> {
        const SQL: &str = concat!(message_select!(), " WHERE m.room_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3");
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let before = before.map_or(i64::MAX, |b| b.0);
        let mut messages = rows(
            prepared.query(client, SQL, &[&room.0, &before, &i64::from(limit)]).map_err(internal)?,
            message_from_row,
        )?;
        messages.reverse();
        Ok(messages)
    }

    fn history(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Option<Page>, StoreError> {
        // One statement, so one snapshot: the page and the seq agree even while messages are
        // being committed. The room row comes back once even when the page is empty.
        const SQL: &str = concat!(
            "SELECT r.last_seq, page.* FROM rooms r LEFT JOIN LATERAL (",
            message_select!(),
            " WHERE m.room_id = r.id AND m.id < $2 ORDER BY m.id DESC LIMIT $3) page ON TRUE WHERE r.id = $1"
        );
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let before = before.map_or(i64::MAX, |b| b.0);
        let found = prepared.query(client, SQL, &[&room.0, &before, &i64::from(limit)]).map_err(internal)?;
        let Some(first) = found.first() else { return Ok(None) };
        let seq: i64 = first.try_get(0).map_err(internal)?;
        let mut messages = Vec::with_capacity(found.len());
        for row in &found {
            if row.try_get::<_, Option<i64>>(1).map_err(internal)?.is_some() {
                messages.push(message_from_row_at(row, 1).map_err(internal)?);
            }
        }
        messages.reverse();
        Ok(Some(Page { messages, seq }))
    }
}

impl EventStore for PostgresStore {
    fn events_after(&self, room: RoomId, after: i64, limit: u32) -> Result<Vec<RoomEvent>, StoreError> {
        const SQL: &str = "SELECT e.room_id, e.seq, e.kind, e.data,
                m.id, m.room_id, m.content, m.created_at, m.client_id, m.seq, u.id, u.username, u.city
             FROM room_events e
             LEFT JOIN messages m ON m.id = e.message_id
             LEFT JOIN users u ON u.id = m.user_id
             WHERE e.room_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let found = prepared.query(client, SQL, &[&room.0, &after, &i64::from(limit)]).map_err(internal)?;
        found
            .iter()
            .map(|r| {
                let message = match r.try_get::<_, Option<i64>>(4).map_err(internal)? {
                    Some(_) => Some(message_from_row_at(r, 4).map_err(internal)?),
                    None => None,
                };
                super::event_from_parts(
                    RoomId(r.try_get(0).map_err(internal)?),
                    r.try_get(1).map_err(internal)?,
                    r.try_get::<_, &str>(2).map_err(internal)?,
                    r.try_get(3).map_err(internal)?,
                    message,
                )
            })
            .collect()
    }
}

/// Scratch databases for tests that need a real PostgreSQL.
#[cfg(test)]
pub(crate) mod scratch {
    use postgres::{Client, NoTls};

    /// The maintenance database the tests connect to; `DISCOCK_TEST_POSTGRES` overrides it
    /// (same shape: `postgres://user@host:port/dbname`, no query string).
    const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

    /// A fresh, empty database, dropped (with any connections still open) when this is.
    pub(crate) struct ScratchDb {
        /// `postgres://…/discock_scratch_<uuid>`.
        pub url: String,
        /// `host:port` of the server.
        pub server: String,
        pub name: String,
        admin_url: String,
    }

    fn admin_url() -> String {
        std::env::var("DISCOCK_TEST_POSTGRES").unwrap_or_else(|_| ADMIN_URL.to_owned())
    }

    fn admin_client(url: &str) -> Result<Client, postgres::Error> {
        let mut config: postgres::Config = url.parse()?;
        config.connect_timeout(std::time::Duration::from_secs(2));
        config.connect(NoTls)
    }

    /// Creates a scratch database; `None` (the caller skips) when PostgreSQL is not running
    /// here, except under `CI=true`, where that fails the test.
    pub(crate) fn database() -> Option<ScratchDb> {
        let admin_url = admin_url();
        let mut admin = match admin_client(&admin_url) {
            Ok(client) => client,
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI=true needs PostgreSQL at {admin_url}: {e}")
            }
            Err(e) => {
                eprintln!("skipped: PostgreSQL at {admin_url} is not reachable ({e})");
                return None;
            }
        };
        let name = format!("discock_scratch_{}", uuid::Uuid::new_v4().simple());
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("creating a scratch database");
        let (base, _) = admin_url.rsplit_once('/').expect("the admin URL ends in /dbname");
        let server = base.rsplit_once('@').map_or(base, |(_, s)| s).trim_start_matches("postgres://").to_owned();
        Some(ScratchDb { url: format!("{base}/{name}"), server, name, admin_url })
    }

    impl ScratchDb {
        /// This database's URL with the server replaced by `addr` (a proxy in front of it).
        pub(crate) fn url_via(&self, addr: std::net::SocketAddr) -> String {
            self.url.replacen(&self.server, &addr.to_string(), 1)
        }

        /// A direct client for arranging what the `Store` trait cannot.
        pub(crate) fn client(&self) -> Client {
            Client::connect(&self.url, NoTls).expect("connecting to the scratch database")
        }
    }

    impl Drop for ScratchDb {
        fn drop(&mut self) {
            if let Ok(mut admin) = admin_client(&self.admin_url) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use chrono::{Duration as Span, TimeZone};

    use super::scratch::{self, ScratchDb};
    use super::*;
    use crate::domain::{self, MessageText};
    use crate::store::prelude::*;

    fn options() -> Options {
        Options { pool_size: 2, connect_timeout: Duration::ZERO, checkout_timeout: Duration::from_millis(500) }
    }

    fn open(db: &ScratchDb) -> PostgresStore {
        PostgresStore::open_with(&db.url, &options()).expect("opening the scratch database")
    }

    fn user(store: &dyn Store, name: &str) -> User {
        store
            .create_user(&Username::parse(name).unwrap(), "hash", &City::parse("Самара").unwrap(), domain::now())
            .unwrap()
    }

    fn room(store: &dyn Store, by: &User, name: &str) -> Room {
        store.create_room(&RoomName::parse(name).unwrap(), &RoomDescription::empty(), by.id, domain::now()).unwrap()
    }

    fn message(room: RoomId, user: &User, text: &str, client_id: Option<&str>) -> NewMessage {
        NewMessage {
            room_id: room,
            user: user.clone(),
            content: MessageText::parse(text).unwrap(),
            client_id: client_id.map(|c| ClientId::parse(c).unwrap()),
            created_at: domain::now(),
        }
    }

    /// The messages that events posted, in order.
    fn posted(events: Vec<RoomEvent>) -> Vec<Message> {
        events
            .into_iter()
            .map(|e| match e.change {
                Change::MessageCreated { message } => message,
                other => panic!("expected a message, got {other:?}"),
            })
            .collect()
    }

    fn contents(messages: &[Message]) -> Vec<&str> {
        messages.iter().map(|m| m.content.as_str()).collect()
    }

    #[test]
    fn migrating_twice_is_harmless_and_the_default_room_is_created_once() {
        let Some(db) = scratch::database() else { return };
        let name = RoomName::parse("Общий чат").unwrap();
        let first = open(&db).ensure_default_room(&name, domain::now()).unwrap();

        let again = open(&db).ensure_default_room(&name, domain::now()).unwrap();

        assert_eq!(first, again);
        assert!(first.is_default && first.created_by.is_none());
        let versions: i64 = db.client().query_one("SELECT count(*) FROM schema_migrations", &[]).unwrap().get(0);
        assert_eq!(versions, MIGRATIONS.len() as i64);
    }

    #[test]
    fn instances_starting_together_on_an_empty_database_agree_on_schema_and_default_room() {
        let Some(db) = scratch::database() else { return };
        let url = db.url.clone();

        let rooms: Vec<Room> = std::thread::scope(|s| {
            let starts: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        let store = PostgresStore::open_with(&url, &options()).unwrap();
                        store.ensure_default_room(&RoomName::parse("Общий").unwrap(), domain::now()).unwrap()
                    })
                })
                .collect();
            starts.into_iter().map(|t| t.join().unwrap()).collect()
        });

        assert!(rooms.windows(2).all(|w| w[0] == w[1]), "{rooms:?}");
        assert_eq!(open(&db).list_rooms().unwrap().len(), 1);
    }

    #[test]
    fn the_default_room_adopts_an_existing_room_of_that_name() {
        let Some(db) = scratch::database() else { return };
        let store = open(&db);
        let alice = user(&store, "alice");
        let existing = room(&store, &alice, "Общий");

        let default = store.ensure_default_room(&RoomName::parse("ОБЩИЙ").unwrap(), domain::now()).unwrap();

        assert_eq!(default.id, existing.id);
        assert!(default.is_default);
        assert_eq!(default.created_by, Some(alice.id));
    }

    #[test]
    fn usernames_are_unique_regardless_of_case() {
        let Some(db) = scratch::database() else { return };
        let store = open(&db);
        let alice = user(&store, "Алиса");

        let clash =
            store.create_user(&Username::parse("АЛИСА").unwrap(), "h", &City::parse("Уфа").unwrap(), domain::now());

        assert!(matches!(clash, Err(StoreError::Conflict(Conflict::Username))), "{clash:?}");
        let (found, hash) = store.find_credentials("алиса").unwrap().unwrap();
        assert_eq!((found, hash.as_str()), (alice, "hash"));
        assert!(store.find_credentials("боб").unwrap().is_none());
    }

    #[test]
    fn sessions_name_their_user_until_they_expire_or_are_deleted() {
        let Some(db) = scratch::database() else { return };
        let store = open(&db);
        let alice = user(&store, "alice");
        let now = domain::now();
        store.create_session("old", alice.id, now - Span::hours(3), now - Span::hours(1)).unwrap();
        store.create_session("h1", alice.id, now, now + Span::hours(1)).unwrap();

        assert_eq!(store.session_user("h1", now).unwrap(), Some(alice.clone()));
        assert_eq!(store.session_user("h1", now + Span::hours(2)).unwrap(), None);
        store.delete_session("h1").unwrap();
        assert_eq!(store.session_user("h1", now).unwrap(), None);
        let left: i64 = db.client().query_one("SELECT count(*) FROM sessions", &[]).unwrap().get(0);
        assert_eq!(left, 0, "creating a session purged the expired one");
        assert!(matches!(
            store.create_session("h2", UserId(999), now, now + Span::hours(1)),
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.create_session("h3", alice.id, now, now + Span::hours(1)).and_then(|_| store.create_session(
                "h3",
                alice.id,
                now,
                now + Span::hours(1)
            )),
            Err(StoreError::Conflict(_))
        ));
    }

    #[test]
    fn rooms_are_unique_regardless_of_case_and_updates_change_only_what_is_given() {
        let Some(db) = scratch::database() else { return };
        let store = open(&db);
        let alice = user(&store, "alice");
        let description = RoomDescription::parse("о погоде").unwrap();
        let weather =
            store.create_room(&RoomName::parse("Погода").unwrap(), &description, alice.id, domain::now()).unwrap();
        let flood = room(&store, &alice, "Флуд");

        let clash = store.create_room(&RoomName::parse("ФЛУД").unwrap(), &description, alice.id, domain::now());
        let rename_clash = store.update_room(weather.id, Some(&RoomName::parse("флуд").unwrap()), None, domain::now());
        let (renamed, seq) =
            store.update_room(weather.id, Some(&RoomName::parse("Климат").unwrap()), None, domain::now()).unwrap();

        assert!(matches!(clash, Err(StoreError::Conflict(Conflict::RoomName))), "{clash:?}");
        assert!(matches!(rename_clash, Err(StoreError::Conflict(Conflict::RoomName))), "{rename_clash:?}");
        assert_eq!((renamed.name.as_str(), renamed.description.as_str()), ("Климат", "о погоде"));
        assert_eq!(seq, 1, "the rename is the room's first event; the refused one took no seq");
        assert_eq!(store.get_room(weather.id).unwrap(), Some(renamed.clone()));
        assert_eq!(store.list_rooms().unwrap(), [renamed, flood]);
        assert!(matches!(store.update_room(RoomId(999), None, None, domain::now()), Err(StoreError::NotFound)));
        assert!(matches!(
            store.create_room(&RoomName::parse("Ничья").unwrap(), &description, UserId(999), domain::now()),
            Err(StoreError::NotFound)
        ));
    }

    #[test]
    fn deleting_a_room_deletes_its_messages_and_a_second_delete_is_not_found() {
        let Some(db) = scratch::database() else { return };
        let store = open(&db);
        let alice = user(&store, "alice");
        let flood = room(&store, &alice, "Флуд");
        store.insert_messages(&[message(flood.id, &alice, "hi", None)]).unwrap();

        store.delete_room(flood.id).unwrap();

        assert!(store.get_room(flood.id).unwrap().is_none());
        assert!(matches!(store.delete_room(flood.id), Err(StoreError::NotFound)));
        let again = room(&store, &alice, "Флуд");
        assert!(again.id > flood.id, "ids are never reused");
        assert!(store.messages_before(again.id, None, 10).unwrap().is_empty());
    }

    #[test]
    fn a_batch_numbers_each_room_without_gaps_and_a_repeated_client_id_returns_the_first_copy() {
        let Some(db) = scratch::database() else { return };
        let store = open(&db);
        let (alice, bob) = (user(&store, "alice"), user(&store, "bobby"));
        let (a, b) = (room(&store, &alice, "B-room").id, room(&store, &alice, "A-room").id);

        let results = store
            .insert_messages(&[
                message(a, &alice, "a1", Some("same")),
                message(b, &alice, "b1", None),
                message(a, &bob, "a2", Some("same")), // another user may reuse the id
                message(a, &alice, "a1 again", Some("same")),
                message(a, &alice, "a3", None),
            ])
            .unwrap();

        let seqs: Vec<(i64, bool)> = results.iter().map(|r| (r.message.seq, r.fresh)).collect();
        assert_eq!(seqs, [(1, true), (1, true), (2, true), (1, false), (3, true)]);
        assert_eq!(results[3].message, results[0].message);
        let ids: Vec<MessageId> = results.iter().map(|r| r.message.id).collect();
        assert!(ids[0] < ids[1] && ids[1] < ids[2] && ids[2] < ids[4]);
        let history = store.messages_before(a, None, 10).unwrap();
        assert_eq!(contents(&history), ["a1", "a2", "a3"]);
        assert_eq!(history[0], results[0].message, "what was announced is what is stored");

        let later = store.insert_messages(&[message(a, &alice, "again, later", Some("same"))]).unwrap();
        assert_eq!((later[0].fresh, later[0].message.id), (false, ids[0]));
        assert_eq!(store.insert_messages(&[message(a, &alice, "a4", None)]).unwrap()[0].message.seq, 4);
    }

    #[test]
    fn a_message_for_a_missing_room_or_user_fails_the_whole_batch_as_not_found() {
        let Some(db) = scratch::database() else { return };
        let store = open(&db);
        let alice = user(&store, "alice");
        let a = room(&store, &alice, "A").id;
        let ghost = User { id: UserId(999), ..alice.clone() };

        let missing_room =
            store.insert_messages(&[message(a, &alice, "kept?", None), message(RoomId(404), &alice, "x", None)]);
        let missing_user = store.insert_messages(&[message(a, &ghost, "boo", None)]);

        assert!(matches!(missing_room, Err(StoreError::NotFound)), "{missing_room:?}");
        assert!(matches!(missing_user, Err(StoreError::NotFound)), "{missing_user:?}");
        assert!(store.messages_before(a, None, 10).unwrap().is_empty(), "all or nothing");
        assert_eq!(store.insert_messages(&[message(a, &alice, "first", None)]).unwrap()[0].message.seq, 1, "no gap");
    }

    #[test]
    fn history_pages_backwards_by_id_and_forwards_by_seq() {
        let Some(db) = scratch::database() else { return };
        let store = open(&db);
        let alice = user(&store, "alice");
        let (a, b) = (room(&store, &alice, "A").id, room(&store, &alice, "B").id);
        let batch: Vec<NewMessage> = (0..10).map(|i| message(a, &alice, &format!("m{i}"), None)).collect();
        let ids: Vec<MessageId> = store.insert_messages(&batch).unwrap().into_iter().map(|r| r.message.id).collect();
        store.insert_messages(&[message(b, &alice, "elsewhere", None)]).unwrap();

        let newest = store.messages_before(a, None, 3).unwrap();
        let older = store.messages_before(a, Some(newest[0].id), 3).unwrap();
        let after = posted(store.events_after(a, 7, 2).unwrap());

        assert_eq!(newest.iter().map(|m| m.id).collect::<Vec<_>>(), ids[7..10]);
        assert_eq!(older.iter().map(|m| m.id).collect::<Vec<_>>(), ids[4..7]);
        assert!(store.messages_before(a, Some(ids[0]), 3).unwrap().is_empty());
        assert_eq!(contents(&after), ["m7", "m8"]);
        assert_eq!(after.iter().map(|m| m.seq).collect::<Vec<_>>(), [8, 9]);
        assert!(store.events_after(a, 10, 5).unwrap().is_empty());
        assert_eq!(contents(&posted(store.events_after(b, 0, 5).unwrap())), ["elsewhere"]);
    }

    #[test]
    fn timestamps_come_back_to_the_microsecond() {
        let Some(db) = scratch::database() else { return };
        let store = open(&db);
        let alice = user(&store, "alice");
        let at = Utc.timestamp_micros(1_700_000_000_123_457).unwrap();
        let a = store.create_room(&RoomName::parse("A").unwrap(), &RoomDescription::empty(), alice.id, at).unwrap();

        store.insert_messages(&[NewMessage { created_at: at, ..message(a.id, &alice, "x", None) }]).unwrap();

        assert_eq!(store.get_room(a.id).unwrap().unwrap().created_at, at);
        assert_eq!(store.messages_before(a.id, None, 1).unwrap()[0].created_at, at);
    }

    #[test]
    fn a_client_id_stored_meanwhile_by_another_instance_is_answered_with_that_copy() {
        let Some(db) = scratch::database() else { return };
        let store = Arc::new(open(&db));
        let alice = user(&*store, "alice");
        let (here, there) = (room(&*store, &alice, "here").id, room(&*store, &alice, "there").id);
        let mut other_instance = db.client();
        let mut tx = other_instance.transaction().unwrap();
        tx.execute("UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1", &[&there.0]).unwrap();
        tx.execute(
            "INSERT INTO messages (room_id, user_id, content, client_id, seq, created_at) VALUES ($1, $2, 'first', 'c1', 1, now())",
            &[&there.0, &alice.id.0],
        )
        .unwrap();

        let sender = {
            let (store, alice) = (store.clone(), alice.clone());
            std::thread::spawn(move || store.insert_messages(&[message(here, &alice, "resent", Some("c1"))]))
        };
        std::thread::sleep(Duration::from_millis(300)); // the insert now waits on the unique index
        tx.commit().unwrap();
        let answer = sender.join().unwrap().unwrap();

        assert!(!answer[0].fresh);
        assert_eq!((answer[0].message.content.as_str(), answer[0].message.room_id), ("first", there));
        assert_eq!(store.insert_messages(&[message(here, &alice, "next", None)]).unwrap()[0].message.seq, 1, "no gap");
    }

    #[test]
    fn an_unreachable_server_is_unavailable_after_the_connect_timeout_without_leaking_the_password() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("postgres://app:s3cret@127.0.0.1:{port}/chat");

        let once = PostgresStore::open(&url, 1, Duration::ZERO).err().expect("nobody listens there");
        let started = Instant::now();
        let patient = PostgresStore::open(&url, 1, Duration::from_millis(700)).err().expect("nobody listens there");
        let waited = started.elapsed();

        let (once, patient) = (once.to_string(), patient.to_string());
        assert!(once.contains(&format!("PostgreSQL at 127.0.0.1:{port} not reachable")), "{once}");
        assert!(once.contains("(1 attempt)"), "{once}");
        assert!(patient.contains("(4 attempts)"), "200 + 400 + 100 ms of waiting: {patient}");
        assert!(waited >= Duration::from_millis(700) && waited < Duration::from_secs(2), "{waited:?}");
        assert!(!once.contains("s3cret") && !patient.contains("s3cret"));
        assert!(matches!(PostgresStore::open(&url, 1, Duration::ZERO), Err(StoreError::Unavailable(_))));
    }

    #[test]
    fn a_server_that_refuses_the_login_fails_at_once_rather_than_being_retried() {
        let Some(db) = scratch::database() else { return };
        let missing = db.url.replace(&db.name, "discock_no_such_database");
        let started = Instant::now();

        let err = PostgresStore::open(&missing, 1, Duration::from_secs(30)).err().expect("no such database");

        assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    /// A TCP proxy in front of the real server that can be cut off and restored.
    struct Proxy {
        addr: SocketAddr,
        open: Arc<AtomicBool>,
        streams: Arc<Mutex<Vec<TcpStream>>>,
    }

    impl Proxy {
        fn start(upstream: &str) -> Proxy {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let open = Arc::new(AtomicBool::new(true));
            let streams = Arc::new(Mutex::new(Vec::new()));
            let (accepting, tracked, upstream) = (open.clone(), streams.clone(), upstream.to_owned());
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    let Ok(client) = client else { continue };
                    if !accepting.load(Ordering::SeqCst) {
                        let _ = client.shutdown(Shutdown::Both);
                        continue;
                    }
                    let Ok(server) = TcpStream::connect(&upstream) else { continue };
                    let mut all = tracked.lock().unwrap();
                    all.push(client.try_clone().unwrap());
                    all.push(server.try_clone().unwrap());
                    pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                    pipe(server, client);
                }
            });
            Proxy { addr, open, streams }
        }

        fn cut(&self) {
            self.open.store(false, Ordering::SeqCst);
            for stream in self.streams.lock().unwrap().drain(..) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }

        fn restore(&self) {
            self.open.store(true, Ordering::SeqCst);
        }
    }

    fn pipe(mut from: TcpStream, mut to: TcpStream) {
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            while let Ok(n @ 1..) = from.read(&mut buf) {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Both);
        });
    }

    #[test]
    fn calls_are_unavailable_while_the_server_is_cut_off_and_the_pool_recovers_when_it_returns() {
        let Some(db) = scratch::database() else { return };
        let proxy = Proxy::start(&db.server);
        let store = PostgresStore::open_with(&db.url_via(proxy.addr), &options()).unwrap();
        assert!(store.list_rooms().unwrap().is_empty());

        proxy.cut();
        let started = Instant::now();
        let down = store.list_rooms();
        let failed_after = started.elapsed();
        proxy.restore();
        let recovered = (0..40).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            store.list_rooms().is_ok()
        });

        assert!(matches!(down, Err(StoreError::Unavailable(_))), "{down:?}");
        assert!(failed_after < Duration::from_secs(2), "fails fast: {failed_after:?}");
        assert!(recovered, "the pool reconnects by itself");
    }

    #[test]
    fn messages_queued_while_the_server_is_cut_off_are_all_answered_unavailable_at_once() {
        let Some(db) = scratch::database() else { return };
        let proxy = Proxy::start(&db.server);
        let store = Arc::new(PostgresStore::open_with(&db.url_via(proxy.addr), &options()).unwrap());
        let alice = user(&*store, "alice");
        let a = room(&*store, &alice, "A").id;
        let db_handle = crate::store::Db::new(store, Arc::new(|_| {}));
        proxy.cut();

        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        let started = Instant::now();
        let answers = runtime.block_on(async {
            let sends: Vec<_> = (0..40)
                .map(|i| {
                    let (db, m) = (db_handle.clone(), message(a, &alice, &format!("m{i}"), None));
                    tokio::spawn(async move { db.insert_message(m).await })
                })
                .collect();
            let mut answers = Vec::new();
            for send in sends {
                answers.push(send.await.unwrap());
            }
            answers
        });
        let took = started.elapsed();
        runtime.block_on(async move { drop(db_handle) });

        assert!(answers.iter().all(|a| matches!(a, Err(StoreError::Unavailable(_)))), "{answers:?}");
        assert!(took < Duration::from_secs(3), "not one checkout timeout per message: {took:?}");
    }

    #[test]
    fn a_store_dropped_inside_an_async_runtime_does_not_panic() {
        let Some(db) = scratch::database() else { return };
        let store = open(&db);
        store.list_rooms().unwrap(); // a connection is open and idle in the pool

        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async move { drop(store) });
    }

    #[test]
    fn a_url_with_several_hosts_is_described_by_host_and_port_only() {
        let config = client_config("postgres://app:s3cret@db1:5433,db2/chat").unwrap();
        assert_eq!(describe_target(&config), "db1:5433, db2:5432");
        let err = client_config("postgres://app:s3cret@db:x/chat").err().unwrap().to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }
}
