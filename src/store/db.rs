//! `Db`, the async handle on the store: the one place that moves blocking database work off
//! the async threads (`spawn_blocking`), and the owner of the single message writer that
//! commits messages in groups (see [`Db::insert_message`]).

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use super::{Inserted, NewMessage, Store, StoreError};
use crate::domain::Message;

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
