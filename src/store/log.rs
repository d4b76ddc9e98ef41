//! The room event log's stored form, shared by both stores: the columns a change is logged
//! with, and the event read back from them.

use crate::domain::{Message, MessageId, RoomId, UserId};
use crate::events::{Change, RoomEvent};

use super::StoreError;

/// The log's `message_id` and `data` columns for a change: a message's own changes name it
/// (and are read back with its current state), a reaction adds who and which emoji, a room
/// change keeps the room as JSON.
pub(super) fn event_columns(change: &Change) -> Result<(Option<i64>, Option<String>), StoreError> {
    let json = |value: serde_json::Value| Some(value.to_string());
    Ok(match change {
        Change::MessageCreated { message } | Change::MessageUpdated { message } => (Some(message.id.0), None),
        Change::MessageDeleted { message_id } => (Some(message_id.0), None),
        Change::ReactionAdded { message_id, emoji, user_id }
        | Change::ReactionRemoved { message_id, emoji, user_id } => {
            (Some(message_id.0), json(serde_json::json!({ "emoji": emoji, "user_id": user_id })))
        }
        Change::RoomUpdated { room } => {
            (None, Some(serde_json::to_string(room).map_err(|e| StoreError::Internal(Box::new(e)))?))
        }
    })
}

/// A logged event's message as the log has it: its id, and the message as it is now unless it
/// was deleted since.
pub(crate) struct LoggedMessage {
    pub(crate) id: MessageId,
    pub(crate) current: Option<Message>,
}

/// A logged event from its stored columns. A message's creation or edit replays with the
/// message as it is now; once the message is deleted, either replays as its deletion (the log
/// keeps its seq, a client that never saw the message removes nothing).
pub(super) fn event_from_parts(
    room_id: RoomId,
    seq: i64,
    kind: &str,
    data: Option<String>,
    message: Option<LoggedMessage>,
) -> Result<RoomEvent, StoreError> {
    let unreadable = || StoreError::Internal(format!("room {room_id}, event {seq}: unreadable {kind:?} entry").into());
    #[derive(serde::Deserialize)]
    struct ReactionData {
        emoji: String,
        user_id: UserId,
    }
    let reaction = |data: Option<String>| -> Result<ReactionData, StoreError> {
        serde_json::from_str(data.as_deref().ok_or_else(unreadable)?).map_err(|e| StoreError::Internal(Box::new(e)))
    };
    let change = match (kind, message) {
        ("message_created" | "message_updated" | "message_deleted", Some(LoggedMessage { id, current: None })) => {
            Change::MessageDeleted { message_id: id }
        }
        ("message_deleted", Some(LoggedMessage { id, .. })) => Change::MessageDeleted { message_id: id },
        // As it was sent live: without reactions, whose own events follow it in the log.
        ("message_created", Some(LoggedMessage { current: Some(mut message), .. })) => {
            message.reactions.clear();
            Change::MessageCreated { message }
        }
        ("message_updated", Some(LoggedMessage { current: Some(message), .. })) => Change::MessageUpdated { message },
        ("reaction_added", Some(LoggedMessage { id, .. })) => {
            let ReactionData { emoji, user_id } = reaction(data)?;
            Change::ReactionAdded { message_id: id, emoji, user_id }
        }
        ("reaction_removed", Some(LoggedMessage { id, .. })) => {
            let ReactionData { emoji, user_id } = reaction(data)?;
            Change::ReactionRemoved { message_id: id, emoji, user_id }
        }
        ("room_updated", _) => Change::RoomUpdated {
            room: serde_json::from_str(data.as_deref().ok_or_else(unreadable)?)
                .map_err(|e| StoreError::Internal(Box::new(e)))?,
        },
        _ => return Err(unreadable()),
    };
    Ok(RoomEvent { room_id, seq, change })
}
