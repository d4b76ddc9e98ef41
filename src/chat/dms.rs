//! Direct messages: a conversation of two people is a room only they can see. Opening one
//! (made once per pair), listing one's conversations, and telling both people of a message
//! stored in one even on connections that never opened it.

use serde::Deserialize;

use super::{ChatError, Participant};
use crate::domain::{now, Message, Room, RoomId, User, UserId};
use crate::state::AppState;
use crate::store::{Conversation, StoreError};

/// A conversation to open.
#[derive(Debug, Deserialize)]
pub struct OpenDm {
    /// The other person.
    pub user_id: UserId,
}

/// The direct conversation of `actor` and `command.user_id`, made now if they had none
/// (`true`). Nobody else hears of it until a message is stored in it.
pub async fn open_dm(state: &AppState, actor: &User, command: OpenDm) -> Result<(Room, bool), ChatError> {
    let (me, other) = (actor.id, command.user_id);
    if me == other {
        return Err(ChatError::DmWithSelf);
    }
    state.db.call(move |s| s.open_dm(me, other, now())).await.map_err(|e| match e {
        StoreError::NotFound => ChatError::UserNotFound(other),
        e => ChatError::from(e),
    })
}

/// `actor`'s direct conversations, the most recent first.
pub async fn list_dms(state: &AppState, actor: &User) -> Result<Vec<Conversation>, ChatError> {
    let me = actor.id;
    Ok(state.db.call(move |s| s.dms(me)).await?)
}

/// Once a message this connection sent is stored: when its room is a direct conversation,
/// both of its people hear of it on their connections that did not join it — the sidebar
/// entry, the unread badge and the notification of a conversation never opened. Returns
/// whether the room was one.
pub fn stored(state: &AppState, participant: &Participant, room: RoomId, message: &Message) -> bool {
    match participant.conversations.get(&room) {
        Some(conversation) => {
            state.fanout.direct_message(conversation, message);
            true
        }
        None => false,
    }
}
