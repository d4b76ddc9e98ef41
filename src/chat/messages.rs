//! Messages: sending one into a room (stored by the group-commit writer, announced to the room
//! as a logged event once committed) and reading a room's history page by page.

use std::time::{Duration, Instant};

use super::{ChatError, Participant};
use crate::cities::CityId;
use crate::domain::{now, Author, ClientId, Message, MessageId, MessageText, ReplyRef, RoomId};
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
    /// A message of the same room this one answers.
    pub reply_to: Option<MessageId>,
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
    super::dms::ensure_may_send(state, participant, command.room_id).await?;
    let client_id = command.client_id.as_deref().map(ClientId::parse).transpose()?;
    // Counted once it is a message that would be stored: beyond the limit nothing is stored.
    state.limits.message(participant.user().id)?;
    // The original is checked before the message joins a batch, whose commit is all or none.
    let reply_to = match command.reply_to {
        None => None,
        Some(id) => Some(reply_target(state, command.room_id, id).await?),
    };
    let mention_keys = crate::mentions::candidates(content.as_str());
    let new = NewMessage {
        room_id: command.room_id,
        // As they are now: their city or avatar may have changed since the connection opened.
        user: participant.member.profile(),
        content,
        client_id,
        created_at: now(),
        reply_to,
        mention_keys,
    };
    Ok(state.db.queue_message(new).await?)
}

/// What a reply to message `id` shows of it, if that message is one of `room`'s and not
/// deleted.
async fn reply_target(state: &AppState, room: RoomId, id: MessageId) -> Result<ReplyRef, ChatError> {
    let original = state.db.call(move |s| s.message(id, None)).await?;
    match original {
        Some(m) if m.room_id == room => {
            let author = Author { id: m.user.id, username: m.user.username.clone() };
            Ok(ReplyRef::to(id, Some((author, &m.content))))
        }
        _ => Err(ChatError::MessageNotFound(id)),
    }
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

/// Once a message this connection sent is stored, it reaches people on connections that did
/// not join its room: both people of a direct conversation ([`super::dms::stored`]), else
/// everyone it mentions — their unread badge and desktop notification.
pub fn announce_elsewhere(state: &AppState, participant: &Participant, room: RoomId, message: &Message) {
    if !super::dms::stored(state, participant, room, message) && !message.mentions.is_empty() {
        state.fanout.mentioned(message);
    }
}

/// Which page of history.
#[derive(Debug, Default)]
pub struct HistoryQuery {
    /// Only messages older than this one; the newest page without it.
    pub before: Option<MessageId>,
    /// The window around this message instead (not with `before`).
    pub around: Option<MessageId>,
    /// At least 1; more than [`MAX_PAGE`] gives [`MAX_PAGE`]; [`DEFAULT_PAGE`] without it.
    pub limit: Option<u64>,
    /// The city lens: only messages of people of this canonical city who show it (and the
    /// viewer's own, when it is theirs); not with `around`.
    pub city: Option<CityId>,
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
    let (before, around) = match (query.before, query.around) {
        (Some(_), Some(_)) => return Err(ChatError::BeforeWithAround),
        pair => pair,
    };
    let city = query.city;
    if let Some(id) = city {
        if crate::cities::table().get(id).is_none() {
            return Err(ChatError::UnknownCity(id.0));
        }
        if around.is_some() {
            return Err(ChatError::AroundWithCity);
        }
    }
    let lifetime = state.config.sessions;
    state
        .db
        .call(move |s| {
            let queued = started.elapsed();
            let in_store = Instant::now();
            let viewer = match super::reader(s, &session_hash, &lifetime)? {
                Ok(viewer) => viewer,
                Err(refused) => return Ok(Err(refused)),
            };
            // A room the viewer may not see is one that does not exist.
            if !s.get_room(room)?.is_some_and(|r| r.visible_to(viewer)) {
                return Ok(Err(ChatError::RoomNotFound(room)));
            }
            let page = match (around, city) {
                (None, None) => s.history(room, before, limit, viewer)?,
                (None, Some(city)) => s.history_of_city(room, city, before, limit, viewer)?,
                (Some(id), _) => match s.history_around(room, id, limit, viewer)? {
                    None if s.room_seq(room)?.is_some() => return Ok(Err(ChatError::MessageNotFound(id))),
                    page => page,
                },
            };
            Ok(match page {
                None => Err(ChatError::RoomNotFound(room)),
                Some(page) => Ok(History { page, queued, in_store: in_store.elapsed() }),
            })
        })
        .await?
}
