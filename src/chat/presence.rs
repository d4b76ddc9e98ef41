//! Being in a room: joining it (and resuming after a reconnect), leaving it, typing in it.
//! Presence and typing are not logged; joining with `since` replays the room's log. Also a
//! connection's comings and goings and whether it is idle, which make its user's status.

use super::{ChatError, Participant};
use crate::domain::{Activity, RoomId};
use crate::state::AppState;

/// Joins a connection to a room. With `since` (the seq of the last room event the client has)
/// it is replayed what it missed before live events continue; `since` must be between 0 and
/// the room's seq.
pub async fn join_room(
    state: &AppState,
    participant: &mut Participant,
    room: RoomId,
    since: Option<i64>,
) -> Result<(), ChatError> {
    let viewer = participant.user().id;
    let found = state
        .db
        .call(move |s| {
            // A room the user may not see is one that does not exist.
            let Some(found) = s.get_room(room)?.filter(|r| r.visible_to(viewer)) else { return Ok(None) };
            let found = s.with_members(found)?;
            Ok(s.room_seq(room)?.map(|seq| (found, seq)))
        })
        .await?;
    let (found, seq) = found.ok_or(ChatError::RoomNotFound(room))?;
    if let Some(since) = since.filter(|since| !(0..=seq).contains(since)) {
        return Err(ChatError::InvalidSince { since, seq });
    }
    participant.joined.insert(room);
    if found.dm.is_some() {
        participant.conversations.insert(room, found);
    }
    if let Err(e) = state.fanout.join(&participant.member, room, since).await {
        // Half joined (say, the replay could not be read): undo, so the client can try again.
        participant.joined.remove(&room);
        participant.conversations.remove(&room);
        state.fanout.leave(&participant.member, room).await;
        return Err(ChatError::in_room(room)(e));
    }
    Ok(())
}

/// Takes a connection out of a room it joined.
pub async fn leave_room(state: &AppState, participant: &mut Participant, room: RoomId) -> Result<(), ChatError> {
    participant.require_joined(room)?;
    participant.joined.remove(&room);
    participant.conversations.remove(&room);
    state.fanout.leave(&participant.member, room).await;
    Ok(())
}

/// Tells the room's other members that this user is typing: at most once per
/// `limits::TYPING_EVERY` per user and room; more often is dropped without a word.
pub fn typing(state: &AppState, participant: &Participant, room: RoomId) -> Result<(), ChatError> {
    participant.require_joined(room)?;
    let user = participant.user();
    if state.limits.typing(user.id, room) {
        state.fanout.typing(user, room);
    }
    Ok(())
}

/// Records whether a connection is in use or idle; when that changes the user's status (on
/// every instance), the people it concerns hear `presence`.
pub async fn set_activity(state: &AppState, participant: &Participant, activity: Activity) {
    if participant.member.set_activity(activity) {
        state.fanout.presence_changed(participant.user().id).await;
    }
}

/// A connection opened: its user may have come online.
pub async fn connected(state: &AppState, participant: &Participant) {
    state.fanout.presence_changed(participant.user().id).await;
}

/// Leaves every room of a closing connection and forgets it; its user may have gone offline
/// (or, when it was their only active tab, idle).
pub async fn disconnect(state: &AppState, mut participant: Participant) {
    let rooms: Vec<RoomId> = participant.joined.drain().collect();
    let user = participant.user().id;
    state.fanout.disconnect(&participant.member, rooms).await;
    state.fanout.presence_changed(user).await;
}
