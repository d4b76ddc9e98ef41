//! The room event log: every change to what a room shows is one [`RoomEvent`] with the room's
//! next `seq` (1, 2, 3 … without gaps, per room), written in the same transaction as the change
//! itself. Live delivery (the orderer), gap filling, the Redis resync and a client's resume
//! after a reconnect all work on this one sequence, whatever the kind of change.
//!
//! Presence and typing are not changes to the room's content: they are not logged.

use serde::{Deserialize, Serialize};

use crate::domain::{Message, MessageId, Room, RoomId, UserId};

/// One logged change of a room, at its place in the room's sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomEvent {
    pub room_id: RoomId,
    /// The room's seq after this change.
    pub seq: i64,
    pub change: Change,
}

/// What changed. A new kind of room change is a new variant here, a kind name for the log
/// ([`Change::kind`]) and a frame in `protocol::server`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A message was posted (frame `new_message`).
    MessageCreated { message: Message },
    /// The room's name or description changed (frame `room_updated`).
    RoomUpdated { room: Room },
    /// A message's text was edited, or it was pinned or unpinned (frame `message_updated`): the
    /// message as it is now.
    MessageUpdated { message: Message },
    /// A message was deleted (frame `message_deleted`).
    MessageDeleted { message_id: MessageId },
    /// Someone reacted to a message with an emoji (frame `reaction_added`).
    ReactionAdded { message_id: MessageId, emoji: String, user_id: UserId },
    /// Someone took their reaction back (frame `reaction_removed`).
    ReactionRemoved { message_id: MessageId, emoji: String, user_id: UserId },
}

/// Who hears of a change on an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The connections that joined the room.
    Members,
    /// Every connection: the room list in everyone's sidebar shows it.
    Everyone,
}

impl Change {
    /// The name the log stores for this kind of change.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::MessageCreated { .. } => "message_created",
            Change::RoomUpdated { .. } => "room_updated",
            Change::MessageUpdated { .. } => "message_updated",
            Change::MessageDeleted { .. } => "message_deleted",
            Change::ReactionAdded { .. } => "reaction_added",
            Change::ReactionRemoved { .. } => "reaction_removed",
        }
    }

    pub fn audience(&self) -> Audience {
        match self {
            Change::MessageCreated { .. }
            | Change::MessageUpdated { .. }
            | Change::MessageDeleted { .. }
            | Change::ReactionAdded { .. }
            | Change::ReactionRemoved { .. } => Audience::Members,
            Change::RoomUpdated { .. } => Audience::Everyone,
        }
    }
}

impl RoomEvent {
    /// A stored message as the event that posted it.
    pub fn message_created(message: Message) -> RoomEvent {
        RoomEvent { room_id: message.room_id, seq: message.seq, change: Change::MessageCreated { message } }
    }
}
