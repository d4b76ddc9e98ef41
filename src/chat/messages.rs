//! Messages: sending one into a room (stored by the group-commit writer, announced to the room
//! as a logged event once committed) and reading a room's history page by page.

use std::time::{Duration, Instant};

use super::{ChatError, Participant};
use crate::domain::{now, ClientId, Message, MessageId, MessageText, RoomId};
use crate::state::AppState;
use crate::store::{Inserted, NewMessage, Page, PendingInsert, StoreError};

/// Messages per history page unless the client asks otherwise, and the most it may ask for.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 100;

/// A message to send.
#[derive(Debug)]
pub struct SendMessage {
    pub room_id: RoomId,
    pub content: String,
    /// Makes resending idempotent: the same `client_id` from the same user is stored once.
    pub client_id: Option<String>,
}

/// Queues a message of a room this connection joined. Resolves once it is queued; the commit's
/// outcome comes later through the returned [`PendingInsert`] (see [`stored`]), so a
/// connection can have several messages in flight.
pub async fn send_message(
    state: &AppState,
    participant: &Participant,
    command: SendMessage,
) -> Result<PendingInsert, ChatError> {
    participant.require_joined(command.room_id)?;
    let content = MessageText::parse(&command.content)?;
    let client_id = command.client_id.as_deref().map(ClientId::parse).transpose()?;
    // Counted once it is a message that would be stored: beyond the limit nothing is stored.
    state.limits.message(participant.user().id)?;
    let new = NewMessage {
        room_id: command.room_id,
        user: participant.user().clone(),
        content,
        client_id,
        created_at: now(),
    };
    Ok(state.db.queue_message(new).await?)
}

/// What the sender of a queued message hears once it is committed: nothing more when it was
/// stored now (it reaches every member of the room, the sender included, as `new_message`);
/// the stored copy when its `client_id` had been stored before (a resend).
pub fn stored(room: RoomId, result: Result<Inserted, StoreError>) -> Result<Option<Message>, ChatError> {
    match result {
        Ok(inserted) if inserted.fresh => Ok(None),
        Ok(inserted) => Ok(Some(inserted.message)),
        Err(e) => Err(ChatError::in_room(room)(e)),
    }
}

/// Which page of history.
#[derive(Debug, Default)]
pub struct HistoryQuery {
    /// Only messages older than this one; the newest page without it.
    pub before: Option<MessageId>,
    /// At least 1; more than [`MAX_PAGE`] gives [`MAX_PAGE`]; [`DEFAULT_PAGE`] without it.
    pub limit: Option<u64>,
}

/// A page of history and where its time went.
#[derive(Debug)]
pub struct History {
    pub page: Page,
    /// Waiting for a blocking thread to start the store call.
    pub queued: Duration,
    /// In the store (session check and query).
    pub in_store: Duration,
}

/// A page of a room's history, oldest first, with the room's seq as of the same read, for the
/// holder of a session (its stored hash). The session, the room and the page are read in one
/// store call: under load every trip to the blocking pool and back waits behind the busy
/// async threads, so this is the hop that matters.
pub async fn history(
    state: &AppState,
    session_hash: String,
    room: RoomId,
    query: HistoryQuery,
) -> Result<History, ChatError> {
    let started = Instant::now();
    let limit = match query.limit {
        None => DEFAULT_PAGE,
        Some(0) => return Err(ChatError::BadLimit),
        Some(n) => n.min(u64::from(MAX_PAGE)) as u32,
    };
    let before = query.before;
    let lifetime = state.config.sessions;
    state
        .db
        .call(move |s| {
            let queued = started.elapsed();
            let in_store = Instant::now();
            if s.session_user(&session_hash, now(), &lifetime)?.is_none() {
                return Ok(Err(ChatError::NotSignedIn));
            }
            Ok(match s.history(room, before, limit)? {
                None => Err(ChatError::RoomNotFound(room)),
                Some(page) => Ok(History { page, queued, in_store: in_store.elapsed() }),
            })
        })
        .await?
}
