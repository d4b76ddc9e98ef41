//! Storage: the `Store` trait every backend implements (SQLite in `sqlite`, PostgreSQL in
//! `postgres`, chosen by [`open`] from the config), and `Db`, the async handle the rest of
//! the server uses. `Db` is the one place that moves blocking database work off the async
//! threads (`spawn_blocking`), and it owns the single message writer that commits messages in
//! groups (see [`Db::insert_message`]).

pub mod postgres;
pub mod sqlite;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use crate::config::DatabaseConfig;
use crate::domain::{
    City, ClientId, Message, MessageId, MessageText, Room, RoomDescription, RoomId, RoomName, User, UserId, Username,
};
use crate::events::{Change, RoomEvent};

/// What went wrong in storage, in terms the HTTP and WebSocket layers can answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was hit; says which.
    #[error("{0:?} is already taken")]
    Conflict(Conflict),
    /// The row the call refers to does not exist (or vanished meanwhile).
    #[error("not found")]
    NotFound,
    /// The database cannot be reached right now (pool exhausted, file locked too long,
    /// PostgreSQL down, restarting or not reachable at start-up); worth retrying later, so
    /// the HTTP layer answers 503.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else: a bug or a broken database; logged, answered with a generic 500.
    #[error("database error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    Username,
    RoomName,
}

/// A message on its way into storage.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room_id: RoomId,
    pub user: User,
    pub content: MessageText,
    pub client_id: Option<ClientId>,
    pub created_at: DateTime<Utc>,
}

/// The result of storing one message.
#[derive(Debug, Clone)]
pub struct Inserted {
    pub message: Message,
    /// False when the author had already stored a message with this `client_id`: `message` is
    /// that earlier one and nothing was written.
    pub fresh: bool,
}

/// The store traits, for code that calls a store directly (tests, the migration): their
/// methods can be called only with the traits in scope.
pub mod prelude {
    pub use super::{EventStore, MessageStore, RoomStore, Store, UserStore};
}

/// Accounts and their sessions.
pub trait UserStore {
    fn create_user(
        &self,
        username: &Username,
        password_hash: &str,
        city: &City,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError>;
    /// The user with this case-folded username and their password hash.
    fn find_credentials(&self, username_key: &str) -> Result<Option<(User, String)>, StoreError>;
    /// Stores a session under the hash of its token and drops expired sessions.
    fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The user owning an unexpired session.
    fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>, StoreError>;
    fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
}

/// Rooms. A change to what a room shows is logged as a [`RoomEvent`] in the same transaction.
pub trait RoomStore {
    /// Returns the default room, creating it (or adopting a room of that name) on first start.
    fn ensure_default_room(&self, name: &RoomName, now: DateTime<Utc>) -> Result<Room, StoreError>;
    /// All rooms, oldest first.
    fn list_rooms(&self) -> Result<Vec<Room>, StoreError>;
    fn get_room(&self, id: RoomId) -> Result<Option<Room>, StoreError>;
    /// The seq of the room's newest event (0 for a room without any); `None` when there is no
    /// such room.
    fn room_seq(&self, id: RoomId) -> Result<Option<i64>, StoreError>;
    fn create_room(
        &self,
        name: &RoomName,
        description: &RoomDescription,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Room, StoreError>;
    /// Renames or redescribes a room and logs the change as the room's next event; returns the
    /// room as changed and that event's seq.
    fn update_room(
        &self,
        id: RoomId,
        name: Option<&RoomName>,
        description: Option<&RoomDescription>,
        now: DateTime<Utc>,
    ) -> Result<(Room, i64), StoreError>;
    /// Deletes a room and, with it, its messages and its log.
    fn delete_room(&self, id: RoomId) -> Result<(), StoreError>;
}

/// Messages and history.
pub trait MessageStore {
    /// Stores a batch of messages in one transaction: all or none. Each new message gets the
    /// next `seq` of its room and is logged as that event; within a room, ids and seqs grow
    /// together.
    fn insert_messages(&self, batch: &[NewMessage]) -> Result<Vec<Inserted>, StoreError>;
    /// The newest `limit` messages of a room with id below `before`, oldest first.
    fn messages_before(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Vec<Message>, StoreError>;
    /// A page of history as [`MessageStore::messages_before`] and the room's seq, both read
    /// from one snapshot, so a client can resume right after the page. `None`: no such room.
    fn history(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Option<Page>, StoreError>;
}

/// The room event log.
pub trait EventStore {
    /// A room's events with `seq` above `after`, in seq order, at most `limit`.
    fn events_after(&self, room: RoomId, after: i64, limit: u32) -> Result<Vec<RoomEvent>, StoreError>;
}

/// Everything the server stores, as synchronous calls returning domain types.
///
/// Implementations block; call them only through [`Db`].
pub trait Store: UserStore + RoomStore + MessageStore + EventStore + Send + Sync + 'static {}

impl<T: UserStore + RoomStore + MessageStore + EventStore + Send + Sync + 'static> Store for T {}

/// A page of a room's history and the room's seq as of the same read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub messages: Vec<Message>,
    pub seq: i64,
}

/// The `data` column the log keeps for a change (a new message is found by its id instead).
fn event_data(change: &Change) -> Result<Option<String>, StoreError> {
    match change {
        Change::MessageCreated { .. } => Ok(None),
        Change::RoomUpdated { room } => {
            serde_json::to_string(room).map(Some).map_err(|e| StoreError::Internal(Box::new(e)))
        }
    }
}

/// A logged event from its stored columns.
fn event_from_parts(
    room_id: RoomId,
    seq: i64,
    kind: &str,
    data: Option<String>,
    message: Option<Message>,
) -> Result<RoomEvent, StoreError> {
    let change = match (kind, data, message) {
        ("message_created", _, Some(message)) => Change::MessageCreated { message },
        ("room_updated", Some(data), _) => {
            Change::RoomUpdated { room: serde_json::from_str(&data).map_err(|e| StoreError::Internal(Box::new(e)))? }
        }
        (kind, ..) => {
            return Err(StoreError::Internal(format!("room {room_id}, event {seq}: unreadable {kind:?} entry").into()))
        }
    };
    Ok(RoomEvent { room_id, seq, change })
}

/// Opens (and migrates) the store a config names. Blocking: call before serving or on a blocking
/// thread, never from async code (the PostgreSQL client panics there). For PostgreSQL this
/// waits up to the config's `connect_timeout` for the server to come up.
pub fn open(config: &DatabaseConfig) -> Result<Arc<dyn Store>, StoreError> {
    match config {
        DatabaseConfig::Sqlite { path } => Ok(Arc::new(sqlite::SqliteStore::open(path)?)),
        DatabaseConfig::Postgres { url, pool_size, connect_timeout } => {
            Ok(Arc::new(self::postgres::PostgresStore::open(url, *pool_size, *connect_timeout)?))
        }
    }
}

/// Called by the writer with each freshly committed message, in id order, before the sender
/// hears back; this is how a stored message reaches the rooms.
pub type CommitSink = Arc<dyn Fn(&Message) + Send + Sync>;

/// How many messages may wait for the writer before senders are slowed down.
const WRITE_QUEUE: usize = 4096;
/// The most messages committed in one transaction.
pub const MAX_BATCH: usize = 512;

struct WriteJob {
    message: NewMessage,
    reply: oneshot::Sender<Result<Inserted, StoreError>>,
}

/// Cheap-to-clone async handle on the store.
#[derive(Clone)]
pub struct Db {
    reader: DbReader,
    writer: mpsc::Sender<WriteJob>,
}

/// The part of [`Db`] that runs store calls but cannot queue messages. Whatever the commit sink
/// reaches must hold this rather than a `Db`: the writer thread lives as long as a `Db` does,
/// and the sink lives in the writer, so a `Db` there would keep both alive forever.
#[derive(Clone)]
pub struct DbReader {
    store: Arc<dyn Store>,
}

impl DbReader {
    pub fn new(store: Arc<dyn Store>) -> Self {
        DbReader { store }
    }

    /// Runs blocking store work on the blocking pool, inside the caller's tracing span.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| f(&*store)))
            .await
            .map_err(|e| StoreError::Internal(Box::new(e)))?
    }
}

impl Db {
    /// Wraps a store and starts its message writer thread, which lives as long as any `Db` clone.
    pub fn new(store: Arc<dyn Store>, on_commit: CommitSink) -> Self {
        let (writer, jobs) = mpsc::channel(WRITE_QUEUE);
        let writer_store = store.clone();
        std::thread::Builder::new()
            .name("discock-writer".into())
            .spawn(move || run_writer(writer_store, jobs, on_commit))
            .expect("spawning the message writer thread");
        Db { reader: DbReader { store }, writer }
    }

    /// Runs blocking store work on the blocking pool, inside the caller's tracing span.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    {
        self.reader.call(f).await
    }

    /// A handle that reads and writes through the store but keeps no writer alive.
    pub fn reader(&self) -> DbReader {
        self.reader.clone()
    }

    /// Stores one message through the group-commit writer.
    ///
    /// Messages that arrive while a transaction is being committed wait and go into the next
    /// one together, so under load one fsync-free WAL commit carries hundreds of messages.
    /// Resolves after the commit, once the commit sink has seen the message.
    pub async fn insert_message(&self, message: NewMessage) -> Result<Inserted, StoreError> {
        self.queue_message(message).await?.await
    }

    /// Queues one message for the writer and returns once it is queued (waiting while the
    /// queue is full), with the commit's outcome still to come. Messages are committed in the
    /// order they were queued, so a connection can keep several in flight and still have them
    /// stored in the order it sent them.
    pub async fn queue_message(&self, message: NewMessage) -> Result<PendingInsert, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(WriteJob { message, reply })
            .instrument(tracing::trace_span!("queue_message"))
            .await
            .map_err(|_| writer_stopped())?;
        Ok(PendingInsert(answer))
    }
}

fn writer_stopped() -> StoreError {
    StoreError::Unavailable("the message writer has stopped".into())
}

/// A queued message whose commit has not been reported yet; resolves to the commit's outcome.
#[derive(Debug)]
pub struct PendingInsert(oneshot::Receiver<Result<Inserted, StoreError>>);

impl std::future::Future for PendingInsert {
    type Output = Result<Inserted, StoreError>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(|r| r.unwrap_or_else(|_| Err(writer_stopped())))
    }
}

/// The writer loop: wait for one job, take whatever else is already queued, commit them together.
fn run_writer(store: Arc<dyn Store>, mut jobs: mpsc::Receiver<WriteJob>, on_commit: CommitSink) {
    let mut batch: Vec<WriteJob> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = jobs.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let messages: Vec<NewMessage> = batch.iter().map(|j| j.message.clone()).collect();
        match store.insert_messages(&messages) {
            Ok(results) => {
                for (job, result) in batch.drain(..).zip(results) {
                    if result.fresh {
                        on_commit(&result.message);
                    }
                    let _ = job.reply.send(Ok(result));
                }
            }
            // The database is down: retrying one by one would only wait out the pool's
            // checkout timeout once per message. Everyone gets the same answer now.
            Err(StoreError::Unavailable(cause)) => {
                tracing::warn!(error = %cause, size = batch.len(), "database unavailable; batch not stored");
                let cause = cause.to_string();
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(StoreError::Unavailable(cause.clone().into())));
                }
            }
            // One bad message (say, its room was just deleted) must not sink the others:
            // retry them one by one so each sender gets its own answer.
            Err(batch_error) => {
                tracing::debug!(error = %batch_error, size = batch.len(), "batch insert failed; retrying one by one");
                for job in batch.drain(..) {
                    let result = store.insert_messages(std::slice::from_ref(&job.message)).map(|mut v| v.remove(0));
                    if let Ok(inserted) = &result {
                        if inserted.fresh {
                            on_commit(&inserted.message);
                        }
                    }
                    let _ = job.reply.send(result);
                }
            }
        }
    }
    tracing::debug!("message writer stopped");
}
