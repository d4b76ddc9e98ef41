//! Muted rooms: a user's choice, per room, not to be notified of it on any device.

use super::ChatError;
use crate::domain::{now, RoomId, User};
use crate::state::AppState;

/// Mutes or unmutes room `room` for `actor`: a room they may see (else it does not exist for
/// them). When that changes something, every connection of theirs, on every instance, hears
/// `room_muted`.
pub async fn set_muted(state: &AppState, actor: &User, room: RoomId, muted: bool) -> Result<(), ChatError> {
    let me = actor.id;
    let changed = state
        .db
        .call(move |s| {
            if !s.get_room(room)?.is_some_and(|r| r.visible_to(me)) {
                return Ok(Err(ChatError::RoomNotFound(room)));
            }
            s.set_muted(me, room, muted, now()).map(Ok)
        })
        .await
        .map_err(ChatError::in_room(room))??;
    if changed {
        state.fanout.room_muted(me, room, muted);
    }
    Ok(())
}

/// The rooms `actor` muted.
pub async fn muted_rooms(state: &AppState, actor: &User) -> Result<Vec<RoomId>, ChatError> {
    let me = actor.id;
    Ok(state.db.call(move |s| s.muted_rooms(me)).await?)
}
