//! Rooms: the list everyone sees, creating one, and the changes only its creator may make.
//! Renaming is a logged room event; creating and deleting change the room list.

use serde::Deserialize;

use super::ChatError;
use crate::domain::{now, Room, RoomDescription, RoomId, RoomName, User};
use crate::events::{Change, RoomEvent};
use crate::state::AppState;

/// A new room.
#[derive(Debug, Deserialize)]
pub struct CreateRoom {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// A change to a room; at least one field.
#[derive(Debug, Deserialize)]
pub struct UpdateRoom {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Every public room, oldest first (direct conversations are listed apart).
pub async fn list_rooms(state: &AppState, _actor: &User) -> Result<Vec<Room>, ChatError> {
    Ok(state.db.call(|s| s.list_rooms()).await?)
}

/// Creates a room owned by `actor`; everyone connected hears `room_created`.
pub async fn create_room(state: &AppState, actor: &User, command: CreateRoom) -> Result<Room, ChatError> {
    let name = RoomName::parse(&command.name)?;
    let description = match command.description {
        Some(d) => RoomDescription::parse(&d)?,
        None => RoomDescription::empty(),
    };
    state.limits.room(actor.id)?;
    let by = actor.id;
    let room = state.db.call(move |s| s.create_room(&name, &description, by, now())).await?;
    state.fanout.room_created(&room);
    Ok(room)
}

/// The room `actor` names, if it exists and they may see it (else it does not exist for them).
async fn get_room(state: &AppState, actor: &User, id: RoomId) -> Result<Room, ChatError> {
    let found = state.db.call(move |s| s.get_room(id)).await?;
    found.filter(|room| room.visible_to(actor.id)).ok_or(ChatError::RoomNotFound(id))
}

/// Only a room's creator may change it (nobody created the default room or a direct
/// conversation).
fn require_creator(room: &Room, actor: &User) -> Result<(), ChatError> {
    if room.created_by == Some(actor.id) {
        Ok(())
    } else {
        Err(ChatError::NotRoomCreator)
    }
}

/// The room `actor` asks to change, if it exists and they may change it: checked before the
/// change itself is read, so a stranger learns nothing from the change's errors.
pub async fn room_to_change(state: &AppState, actor: &User, id: RoomId) -> Result<Room, ChatError> {
    let room = get_room(state, actor, id).await?;
    require_creator(&room, actor)?;
    Ok(room)
}

/// Renames or redescribes a room (its creator only); logged, so everyone hears
/// `room_updated` in order with the room's messages.
pub async fn update_room(state: &AppState, actor: &User, room: Room, command: UpdateRoom) -> Result<Room, ChatError> {
    require_creator(&room, actor)?;
    let id = room.id;
    if command.name.is_none() && command.description.is_none() {
        return Err(ChatError::NothingToChange);
    }
    let name = command.name.as_deref().map(RoomName::parse).transpose()?;
    let description = command.description.as_deref().map(RoomDescription::parse).transpose()?;
    let (room, seq) = state
        .db
        .call(move |s| s.update_room(id, name.as_ref(), description.as_ref(), now()))
        .await
        .map_err(ChatError::in_room(id))?;
    state.fanout.logged(RoomEvent { room_id: id, seq, change: Change::RoomUpdated { room: room.clone() } });
    Ok(room)
}

/// Deletes a room with its messages (its creator only; never the default room); everyone
/// connected hears `room_deleted`.
pub async fn delete_room(state: &AppState, actor: &User, id: RoomId) -> Result<(), ChatError> {
    let room = get_room(state, actor, id).await?;
    if room.is_default {
        return Err(ChatError::DefaultRoomUndeletable);
    }
    require_creator(&room, actor)?;
    state.db.call(move |s| s.delete_room(id)).await.map_err(ChatError::in_room(id))?;
    state.fanout.room_deleted(id);
    Ok(())
}
