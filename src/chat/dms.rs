//! Direct messages: a conversation of two people is a room only they can see. Opening one
//! (made once per pair), listing one's conversations, and telling both people of a message
//! stored in one even on connections that never opened it.

use serde::{Deserialize, Serialize};

use super::{ChatError, Participant};
use crate::domain::{now, Message, Presence, Room, RoomId, User, UserId};
use crate::state::AppState;
use crate::store::{Conversation, StoreError};

/// A conversation to open.
#[derive(Debug, Deserialize)]
pub struct OpenDm {
    /// The other person.
    pub user_id: UserId,
}

/// The direct conversation of `actor` and `command.user_id`, made now if they had none
/// (`true`). Nobody else hears of it until a message is stored in it. Refused across a block,
/// whichever of the two blocked the other.
pub async fn open_dm(state: &AppState, actor: &User, command: OpenDm) -> Result<(Room, bool), ChatError> {
    let (me, other) = (actor.id, command.user_id);
    if me == other {
        return Err(ChatError::DmWithSelf);
    }
    super::blocks::ensure_not_blocked(state, me, other).await?;
    state.db.call(move |s| s.open_dm(me, other, now())).await.map_err(|e| match e {
        StoreError::NotFound => ChatError::UserNotFound(other),
        e => ChatError::from(e),
    })
}

/// One of a user's conversations as `GET /api/dms` lists it: with the other person's status.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationView {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub presence: Presence,
}

/// `actor`'s direct conversations, the most recent first.
pub async fn list_dms(state: &AppState, actor: &User) -> Result<Vec<ConversationView>, ChatError> {
    let me = actor.id;
    let list = state.db.call(move |s| s.dms(me)).await?;
    let peers: Vec<UserId> = list.iter().map(|c| c.user.id).collect();
    let statuses = state.fanout.statuses(&peers).await;
    Ok(list
        .into_iter()
        .zip(statuses)
        .map(|(conversation, presence)| ConversationView { conversation, presence })
        .collect())
}

/// Refuses a message into a direct conversation across a block (whichever of the two blocked
/// the other); any other room takes it.
pub async fn ensure_may_send(state: &AppState, participant: &Participant, room: RoomId) -> Result<(), ChatError> {
    let me = participant.user().id;
    match participant.conversations.get(&room).and_then(|c| c.peer_of(me)) {
        Some(peer) => super::blocks::ensure_not_blocked(state, me, peer).await,
        None => Ok(()),
    }
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
