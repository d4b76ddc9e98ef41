//! The rules of the chat, one file per feature area. Each operation is one async function
//! taking the state, the caller and a command: it parses the command, checks the caller may do
//! it, stores the change and announces it. No HTTP, no frames, no SQL here: the WebSocket
//! dispatcher and the JSON handlers are thin adapters onto these functions, and a refusal is
//! one [`ChatError`], translated once for HTTP (`crate::error`) and once for frames (`crate::ws`).
//!
//! - [`rooms`]: listing, creating, renaming and deleting rooms.
//! - [`presence`]: joining (and resuming), leaving, typing.
//! - [`messages`]: sending and reading history.
//! - [`changes`]: editing, deleting, reacting to and pinning posted messages; who reacted.
//! - [`search`]: finding messages by their words, author and room.
//! - [`reads`]: how far each user has read each room, and the unread counts after it.
//! - [`avatars`]: uploading and removing one's picture; serving pictures.
//! - [`dms`]: direct conversations of two people, visible to them only.
//! - [`mutes`]: the rooms each user does not want to be notified of.
//! - [`blocks`]: blocking and unblocking people; whether two people may talk ([`blocks::ensure_not_blocked`]).
//! - [`profiles`]: reading profiles, changing one's own, changing one's password.

pub mod avatars;
pub mod blocks;
pub mod changes;
pub mod dms;
pub mod messages;
pub mod mutes;
pub mod presence;
pub mod profiles;
pub mod reads;
pub mod rooms;
pub mod search;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::config::SessionLifetime;
use crate::domain::{now, DomainError, MessageId, Room, RoomId, User, UserId};
use crate::hub::Member;
use crate::store::{Conflict, Store, StoreError};

/// Why the chat refused an operation.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("room {0} does not exist")]
    RoomNotFound(RoomId),
    #[error("this connection has not joined room {0}")]
    NotJoined(RoomId),
    #[error("only the room's creator may change it")]
    NotRoomCreator,
    #[error("only its author may edit a message")]
    NotAuthor,
    #[error("only its author or the room's creator may delete a message")]
    CannotDelete,
    #[error("only the room's creator may pin messages")]
    CannotPin,
    #[error("message {0} does not exist")]
    MessageNotFound(MessageId),
    #[error("a reaction is exactly one emoji")]
    InvalidEmoji,
    #[error("a message has reactions with at most {} distinct emoji", crate::store::MAX_REACTION_EMOJI)]
    TooManyReactions,
    #[error("`before` and `around` do not go together")]
    BeforeWithAround,
    #[error("the default room cannot be deleted")]
    DefaultRoomUndeletable,
    #[error("a room of that name exists")]
    RoomNameTaken,
    #[error("user {0} does not exist")]
    UserNotFound(UserId),
    #[error("a direct conversation needs another person")]
    DmWithSelf,
    #[error("neither name nor description given")]
    NothingToChange,
    #[error("neither city, city_id, city_privacy nor about given")]
    EmptyProfileChange,
    #[error("city {0} is not in the city table")]
    UnknownCity(u32),
    #[error("the user's city is not a city of the table")]
    NoCity,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("a page limit must be at least 1")]
    BadLimit,
    #[error("since {since} is not between 0 and the room's seq {seq}")]
    InvalidSince { since: i64, seq: i64 },
    #[error("a user cannot block themselves")]
    CannotBlockSelf,
    /// One of the two people blocked the other, so one may not reach the other (direct
    /// messages); which of them did is not said.
    #[error("one of the two users blocked the other")]
    Blocked,
    #[error("not signed in")]
    NotSignedIn,
    /// The city lens pages back from the newest message or `before`, not around a message.
    #[error("`around` and `city_id` do not go together")]
    AroundWithCity,
    #[error("an avatar upload is not a PNG, JPEG, WebP or GIF picture the server can read")]
    InvalidImage,
    #[error("an avatar upload declares a type other than PNG, JPEG, WebP or GIF")]
    UnsupportedImageType,
    #[error("rate limited for {retry_after:?}")]
    RateLimited { retry_after: std::time::Duration },
    #[error(transparent)]
    Invalid(#[from] DomainError),
    #[error("database unavailable")]
    Unavailable(#[source] StoreError),
    #[error("storage failed")]
    Internal(#[source] StoreError),
}

impl From<StoreError> for ChatError {
    /// Store errors that name no room. Where a missing row means a missing room, the operation
    /// says so itself ([`ChatError::in_room`]).
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(Conflict::RoomName) => ChatError::RoomNameTaken,
            e @ StoreError::Unavailable(_) => ChatError::Unavailable(e),
            e => ChatError::Internal(e),
        }
    }
}

impl From<crate::limits::RetryAfter> for ChatError {
    fn from(wait: crate::limits::RetryAfter) -> Self {
        ChatError::RateLimited { retry_after: wait.0 }
    }
}

impl ChatError {
    /// Reads a store error of an operation on `room`: a missing row is the room gone.
    pub fn in_room(room: RoomId) -> impl FnOnce(StoreError) -> ChatError {
        move |e| match e {
            StoreError::NotFound => ChatError::RoomNotFound(room),
            e => ChatError::from(e),
        }
    }
}

/// Who reads, for the holder of a session (its stored hash): whoever is signed in reads every
/// public room and their own direct conversations ([`Room::visible_to`]). The one rule behind
/// history pages, search and who reacted, each checking it inside its own store call;
/// `Ok(Err(NotSignedIn))` when the session has ended.
fn reader(
    s: &dyn Store,
    session_hash: &str,
    lifetime: &SessionLifetime,
) -> Result<Result<UserId, ChatError>, StoreError> {
    Ok(match s.session_user(session_hash, now(), lifetime)? {
        Some(account) => {
            // `Db::call` runs this inside the request's span.
            crate::logging::record_user(account.user.id);
            Ok(account.user.id)
        }
        None => Err(ChatError::NotSignedIn),
    })
}

/// One connection's place in the chat: whose it is and which rooms it joined.
pub struct Participant {
    pub member: Arc<Member>,
    joined: HashSet<RoomId>,
    /// The direct conversations among the joined rooms: a message stored in one is also
    /// told to both of its people's connections that did not join it ([`dms::stored`]).
    conversations: HashMap<RoomId, Room>,
}

impl Participant {
    pub fn new(member: Arc<Member>) -> Self {
        Participant { member, joined: HashSet::new(), conversations: HashMap::new() }
    }

    pub fn user(&self) -> &User {
        &self.member.user
    }

    /// Refuses an operation on a room this connection has not joined.
    pub fn require_joined(&self, room: RoomId) -> Result<(), ChatError> {
        if self.joined.contains(&room) {
            Ok(())
        } else {
            Err(ChatError::NotJoined(room))
        }
    }
}
