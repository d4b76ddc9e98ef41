//! Changes to posted messages: editing, deleting, reacting, pinning; and reading a room's pins
//! and who reacted to a message. Who may do what is decided here; each change goes through the
//! message writer, is stored and logged in one of its transactions and reaches the room as a
//! logged event.

use super::{ChatError, Participant};
use crate::domain::{now, Message, MessageId, MessageText, Reactors, RoomId, User};
use crate::emoji::Emoji;
use crate::state::AppState;
use crate::store::{ChangeOutcome, MessageChange};

/// A change a member asks for.
#[derive(Debug)]
pub enum ChangeRequest {
    Edit { content: String },
    Delete,
    AddReaction { emoji: String },
    RemoveReaction { emoji: String },
    Pin(bool),
}

/// Who may make a change to a message: its author, the room's creator, or either.
#[derive(Debug, Clone, Copy)]
enum Allowed {
    Author,
    RoomCreator,
    AuthorOrRoomCreator,
    /// Any member of the room (reactions).
    Member,
}

/// Makes a change to message `id` for this connection's user. The message must be in a room
/// the connection joined; a change that changes nothing (a repeated reaction) is no error and
/// announces nothing.
pub async fn change_message(
    state: &AppState,
    participant: &Participant,
    id: MessageId,
    request: ChangeRequest,
) -> Result<(), ChatError> {
    let (change, allowed) = match request {
        ChangeRequest::Edit { content } => {
            let content = MessageText::parse(&content)?;
            let mention_keys = crate::mentions::candidates(content.as_str());
            (MessageChange::Edit { content, mention_keys }, Allowed::Author)
        }
        ChangeRequest::Delete => (MessageChange::Delete, Allowed::AuthorOrRoomCreator),
        ChangeRequest::AddReaction { emoji } => (
            MessageChange::AddReaction { emoji: Emoji::parse(&emoji).ok_or(ChatError::InvalidEmoji)? },
            Allowed::Member,
        ),
        ChangeRequest::RemoveReaction { emoji } => {
            let emoji = Emoji::parse(&emoji).ok_or(ChatError::InvalidEmoji)?;
            (MessageChange::RemoveReaction { emoji }, Allowed::Member)
        }
        ChangeRequest::Pin(pin) => (MessageChange::Pin(pin), Allowed::RoomCreator),
    };
    // What adds to a conversation — new words, a reaction, a pin — is refused across a block, as
    // a new message is; taking something back (deleting, unreacting, unpinning) never is.
    let adds =
        matches!(change, MessageChange::Edit { .. } | MessageChange::AddReaction { .. } | MessageChange::Pin(true));
    let actor = participant.user().id;
    // Changes count against the same limit as messages: each is a frame every member gets.
    state.limits.message(actor)?;
    let joined = participant.joined.clone();
    let checked = state
        .db
        .call(move |s| {
            // Author and room never change, so checking them before the change's own
            // transaction is safe; a message deleted meanwhile is not found by the change.
            let Some((author, room)) = s.message_author_and_room(id)? else {
                return Ok(Err(ChatError::MessageNotFound(id)));
            };
            if !joined.contains(&room.id) {
                // A message of a room the user may not see is one that does not exist.
                return Ok(Err(if room.visible_to(actor) {
                    ChatError::NotJoined(room.id)
                } else {
                    ChatError::MessageNotFound(id)
                }));
            }
            let may = match allowed {
                Allowed::Member => true,
                Allowed::Author => author == actor,
                // Nobody owns a direct conversation: either of its two may pin there.
                Allowed::RoomCreator => room.created_by == Some(actor) || room.dm.is_some(),
                Allowed::AuthorOrRoomCreator => author == actor || room.created_by == Some(actor),
            };
            if !may {
                return Ok(Err(match allowed {
                    Allowed::Author => ChatError::NotAuthor,
                    Allowed::AuthorOrRoomCreator => ChatError::CannotDelete,
                    Allowed::RoomCreator | Allowed::Member => ChatError::CannotPin,
                }));
            }
            // In a direct conversation, whichever of its two blocked the other.
            if adds {
                if let Some(peer) = room.peer_of(actor) {
                    if s.blocked_between(actor, peer)? {
                        return Ok(Err(ChatError::Blocked));
                    }
                }
            }
            Ok(Ok(()))
        })
        .await?;
    checked?;
    // Through the message writer: in order with the room's messages, in one of its batches,
    // announced by the writer right after that batch's commit.
    match state.db.change_message(id, change, actor, now()).await? {
        ChangeOutcome::Logged(_) | ChangeOutcome::Unchanged => Ok(()),
        ChangeOutcome::TooManyReactions => Err(ChatError::TooManyReactions),
        ChangeOutcome::NotFound => Err(ChatError::MessageNotFound(id)),
    }
}

/// A room's pinned messages, the latest pinned first.
pub async fn pins(state: &AppState, viewer: &User, room: RoomId) -> Result<Vec<Message>, ChatError> {
    let viewer = viewer.id;
    state
        .db
        .call(move |s| {
            // A room the viewer may not see is one that does not exist.
            if !s.get_room(room)?.is_some_and(|r| r.visible_to(viewer)) {
                return Ok(None);
            }
            s.pins(room, viewer)
        })
        .await?
        .ok_or(ChatError::RoomNotFound(room))
}

/// The most people one answer of [`reactors`] names; its `count` still counts them all.
pub const MAX_REACTORS: u32 = 50;

/// Who reacted to message `id` with `emoji` (read as a reaction frame reads it), earliest
/// first, for the holder of a session (its stored hash): whoever may read the message's room
/// ([`super::reader`], the rule of its history) may see them. A message that does not exist or
/// was deleted is not found; an emoji nobody used on it has nobody.
pub async fn reactors(
    state: &AppState,
    session_hash: String,
    id: MessageId,
    emoji: &str,
) -> Result<Reactors, ChatError> {
    let emoji = Emoji::parse(emoji).ok_or(ChatError::InvalidEmoji)?;
    let lifetime = state.config.sessions;
    state
        .db
        .call(move |s| {
            let viewer = match super::reader(s, &session_hash, &lifetime)? {
                Ok(viewer) => viewer,
                Err(refused) => return Ok(Err(refused)),
            };
            // A message of a room the viewer may not see is one that does not exist.
            let Some(message) = s.message(id, None)? else { return Ok(Err(ChatError::MessageNotFound(id))) };
            if !s.get_room(message.room_id)?.is_some_and(|r| r.visible_to(viewer)) {
                return Ok(Err(ChatError::MessageNotFound(id)));
            }
            Ok(s.reactors(id, &emoji, MAX_REACTORS)?.ok_or(ChatError::MessageNotFound(id)))
        })
        .await?
}
