//! Unread state: how far each user has read each room. A connection marks a message of a room
//! it joined as read; the marker only moves forward, and when it does, the user's other
//! connections (other devices and tabs, on any instance) are told the new counts.

use super::{ChatError, Participant};
use crate::domain::{now, MessageId, ReadState, RoomId};
use crate::state::AppState;
use crate::store::MarkRead;

/// Marks `message` (a message of `room` that is not deleted) as the newest one this
/// connection's user has read in `room`. A marker already at or past it stays, and nobody is
/// told; otherwise the user's other connections hear the state after the move.
pub async fn mark_read(
    state: &AppState,
    participant: &Participant,
    room: RoomId,
    message: MessageId,
) -> Result<(), ChatError> {
    participant.require_joined(room)?;
    let user = participant.user().id;
    let from = participant.member.id;
    // The counts are for the user's other connections: with none, the marker alone is written.
    // One that opens meanwhile reads the state itself (`GET /api/read_state`).
    let counted = state.fanout.may_have_other_connections(user, from);
    match state.db.mark_read(user, room, message, now(), counted).await? {
        MarkRead::Moved(read) => {
            state.fanout.read_state(user, from, read);
            Ok(())
        }
        MarkRead::MovedUncounted | MarkRead::Unchanged => Ok(()),
        MarkRead::MessageNotFound => Err(ChatError::MessageNotFound(message)),
    }
}

/// The read state of every room the holder of a session (its stored hash) can read — every
/// room, all being public ([`super::reader`]) — in the order rooms are listed.
pub async fn read_states(state: &AppState, session_hash: String) -> Result<Vec<ReadState>, ChatError> {
    let lifetime = state.config.sessions;
    state
        .db
        .call(move |s| {
            let user = match super::reader(s, &session_hash, &lifetime)? {
                Ok(user) => user,
                Err(refused) => return Ok(Err(refused)),
            };
            Ok(Ok(s.read_states(user)?))
        })
        .await?
}
