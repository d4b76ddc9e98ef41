//! `Db`, the async handle on the store: the one place that moves blocking database work off
//! the async threads (`spawn_blocking`), and the owner of the single message writer that
//! commits messages and changes to them in groups (see [`Db::insert_message`]).

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use chrono::{DateTime, Utc};

use super::{ChangeOutcome, Inserted, MarkRead, MessageChange, NewMessage, Store, StoreError, Write, Written};
use crate::domain::{MessageId, RoomId, UserId};
use crate::events::RoomEvent;
use crate::metrics::WriterMetrics;

/// Called by the writer with each event it committed (a fresh message, a change that changed
/// something), in commit order, before the writer's caller hears back; this is how stored
/// messages and changes reach the rooms.
pub type CommitSink = Arc<dyn Fn(RoomEvent) + Send + Sync>;

/// How many writes may wait for the writer before senders are slowed down.
const WRITE_QUEUE: usize = 4096;
/// The most writes committed in one transaction.
pub const MAX_BATCH: usize = 512;
/// How long a read marker waits to travel to the writer with the others of that moment. Every
/// connection marks its room read about once a second, each at its own moment: one at a time,
/// each would wake the writer thread (and cost a commit) on its own.
const MARK_LINGER: std::time::Duration = std::time::Duration::from_millis(20);

struct WriteJob {
    write: Write,
    reply: Reply,
}

/// Where the answer to one write goes.
enum Reply {
    Post(oneshot::Sender<Result<Inserted, StoreError>>),
    Change(oneshot::Sender<Result<ChangeOutcome, StoreError>>),
    Read(oneshot::Sender<Result<MarkRead, StoreError>>),
}

impl Reply {
    /// Announces what `result` committed, then answers the caller.
    fn send(self, result: Result<Written, StoreError>, on_commit: &CommitSink) {
        match (self, result) {
            (Reply::Post(reply), Ok(Written::Posted(inserted))) => {
                if inserted.fresh {
                    on_commit(RoomEvent::message_created(inserted.message.clone()));
                }
                let _ = reply.send(Ok(inserted));
            }
            (Reply::Change(reply), Ok(Written::Changed(outcome))) => {
                if let ChangeOutcome::Logged(event) = &outcome {
                    on_commit((**event).clone());
                }
                let _ = reply.send(Ok(outcome));
            }
            // A marker is the user's news, not the room's: the caller tells the user.
            (Reply::Read(reply), Ok(Written::Read(outcome))) => drop(reply.send(Ok(outcome))),
            (reply, Ok(_)) => reply.fail(StoreError::Internal("the store answered a write with another kind".into())),
            (reply, Err(e)) => reply.fail(e),
        }
    }

    fn fail(self, error: StoreError) {
        match self {
            Reply::Post(reply) => drop(reply.send(Err(error))),
            Reply::Change(reply) => drop(reply.send(Err(error))),
            Reply::Read(reply) => drop(reply.send(Err(error))),
        }
    }
}

/// Cheap-to-clone async handle on the store.
#[derive(Clone)]
pub struct Db {
    reader: DbReader,
    writer: mpsc::Sender<WriteJob>,
    /// Read markers waiting for their trip to the writer ([`MARK_LINGER`]).
    marks: Arc<std::sync::Mutex<Vec<WriteJob>>>,
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
    /// Its batches are counted where nobody reads them (tests of the store).
    pub fn new(store: Arc<dyn Store>, on_commit: CommitSink) -> Self {
        Self::with_metrics(store, on_commit, WriterMetrics::default())
    }

    /// Like [`Db::new`], counting the writer's batches and stored messages into `metrics`.
    pub fn with_metrics(store: Arc<dyn Store>, on_commit: CommitSink, metrics: WriterMetrics) -> Self {
        let (writer, jobs) = mpsc::channel(WRITE_QUEUE);
        let writer_store = store.clone();
        std::thread::Builder::new()
            .name("discock-writer".into())
            .spawn(move || run_writer(writer_store, jobs, on_commit, metrics))
            .expect("spawning the message writer thread");
        let marks = Arc::new(std::sync::Mutex::new(Vec::new()));
        // Holds the writer's queue weakly, so that it ends with the last `Db`, and the writer too.
        let (queue, waiting) = (writer.downgrade(), marks.clone());
        std::thread::Builder::new()
            .name("discock-marks".into())
            .spawn(move || run_mark_flusher(queue, waiting))
            .expect("spawning the read marker thread");
        Db { reader: DbReader { store }, writer, marks }
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
            .send(WriteJob { write: Write::Post(message), reply: Reply::Post(reply) })
            .instrument(tracing::trace_span!("queue_message"))
            .await
            .map_err(|_| writer_stopped())?;
        Ok(PendingInsert(answer))
    }

    /// Changes a posted message through the writer, in order with the messages and changes
    /// queued before it: a change costs a place in a batch, not a transaction of its own, and
    /// is announced right after its batch's commit, like a message.
    pub async fn change_message(
        &self,
        id: MessageId,
        change: MessageChange,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<ChangeOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(WriteJob { write: Write::Change { id, change, by, at }, reply: Reply::Change(reply) })
            .instrument(tracing::trace_span!("queue_change"))
            .await
            .map_err(|_| writer_stopped())?;
        answer.await.unwrap_or_else(|_| Err(writer_stopped()))
    }
}

impl Db {
    /// Moves a user's read marker through the writer: the marks of the last [`MARK_LINGER`] go
    /// to it together, into a batch with the messages and changes queued before them, so a read
    /// costs a place in a commit rather than a transaction and a wake of the writer.
    pub async fn mark_read(
        &self,
        user: UserId,
        room: RoomId,
        message: MessageId,
        at: DateTime<Utc>,
        counted: bool,
    ) -> Result<MarkRead, StoreError> {
        let (reply, answer) = oneshot::channel();
        let write = Write::MarkRead { user, room, message, at, counted };
        let job = WriteJob { write, reply: Reply::Read(reply) };
        self.marks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(job);
        answer.await.unwrap_or_else(|_| Err(writer_stopped()))
    }
}

/// Whether a committed write stored a new message (not the replay of one already stored).
fn is_new_message(written: &Written) -> bool {
    matches!(written, Written::Posted(inserted) if inserted.fresh)
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

/// Every [`MARK_LINGER`], hands the read markers that came meanwhile to the writer together, so
/// that they share its batches; ends once the writer's queue is gone.
fn run_mark_flusher(queue: mpsc::WeakSender<WriteJob>, waiting: Arc<std::sync::Mutex<Vec<WriteJob>>>) {
    loop {
        std::thread::sleep(MARK_LINGER);
        let Some(writer) = queue.upgrade() else { break };
        let marks = std::mem::take(&mut *waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        for job in marks {
            if let Err(refused) = writer.blocking_send(job) {
                refused.0.reply.fail(writer_stopped());
            }
        }
    }
    tracing::debug!("read marker thread stopped");
}

/// The writer loop: wait for one job, take whatever else is already queued, commit them together.
/// Each batch is counted (size, time, new messages) before any of its callers hears back.
fn run_writer(
    store: Arc<dyn Store>,
    mut jobs: mpsc::Receiver<WriteJob>,
    on_commit: CommitSink,
    metrics: WriterMetrics,
) {
    let mut writes: Vec<Write> = Vec::with_capacity(MAX_BATCH);
    let mut replies: Vec<Reply> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = jobs.blocking_recv() {
        writes.push(first.write);
        replies.push(first.reply);
        while writes.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => {
                    writes.push(job.write);
                    replies.push(job.reply);
                }
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let written = store.write(&writes);
        let took = started.elapsed();
        match written {
            Ok(results) if results.len() == writes.len() => {
                metrics.batch(writes.len(), took, results.iter().filter(|r| is_new_message(r)).count());
                for (reply, result) in replies.drain(..).zip(results) {
                    reply.send(Ok(result), &on_commit);
                }
            }
            Ok(results) => {
                let cause = format!("the store answered {} writes with {} results", writes.len(), results.len());
                for reply in replies.drain(..) {
                    reply.fail(StoreError::Internal(cause.clone().into()));
                }
            }
            // The database is down: retrying one by one would only wait out the pool's
            // checkout timeout once per write. Everyone gets the same answer now.
            Err(StoreError::Unavailable(cause)) => {
                tracing::warn!(error = %cause, size = writes.len(), "database unavailable; batch not stored");
                let cause = cause.to_string();
                for reply in replies.drain(..) {
                    reply.fail(StoreError::Unavailable(cause.clone().into()));
                }
            }
            // One bad write (say, a message whose room was just deleted) must not sink the
            // others: retry them one by one so each caller gets its own answer.
            Err(batch_error) => {
                tracing::debug!(error = %batch_error, size = writes.len(), "batch write failed; retrying one by one");
                for (write, reply) in writes.iter().zip(replies.drain(..)) {
                    let started = std::time::Instant::now();
                    let result = store.write(std::slice::from_ref(write)).and_then(|mut v| {
                        v.pop().ok_or_else(|| StoreError::Internal("the store answered a write with nothing".into()))
                    });
                    if let Ok(written) = &result {
                        metrics.batch(1, started.elapsed(), usize::from(is_new_message(written)));
                    }
                    reply.send(result, &on_commit);
                }
            }
        }
        writes.clear();
    }
    tracing::debug!("message writer stopped");
}
