//! Rooms: the list everyone sees, creating one, opening one's city's room, and the changes only
//! its creator may make. Renaming is a logged room event; creating and deleting change the room
//! list.

use serde::Deserialize;

use super::ChatError;
use crate::domain::{now, Account, Room, RoomDescription, RoomId, RoomName, User};
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

/// The room of `actor`'s canonical city, created unless it exists (true then: everyone
/// connected hears `room_created`). Nobody owns it, so nobody may rename or delete it. Refused
/// when `actor` typed their city as free text.
pub async fn open_city_room(state: &AppState, actor: &Account) -> Result<(Room, bool), ChatError> {
    // Their own city in full: one who hides it still has it.
    let city_id = actor.home.city_id.ok_or(ChatError::NoCity)?;
    let city = crate::cities::table().get(city_id).ok_or(ChatError::UnknownCity(city_id.0))?;
    let (name, fallback) = city_room_names(&city.name)?;
    let (room, created) = state.db.call(move |s| s.city_room(city_id, &name, &fallback, now())).await?;
    if created {
        state.fanout.room_created(&room);
    }
    Ok((room, created))
}

/// A city room's name — the city's — and the one it takes when a room of that name exists:
/// «Казань · город».
fn city_room_names(city: &str) -> Result<(RoomName, RoomName), ChatError> {
    const SUFFIX: &str = " · город";
    /// As long as a room name may be (see [`RoomName::parse`]).
    const MAX_CHARS: usize = 64;
    let name = RoomName::parse(city)?;
    let kept: String = name.as_str().chars().take(MAX_CHARS - SUFFIX.chars().count()).collect();
    let fallback = RoomName::parse(&format!("{}{SUFFIX}", kept.trim_end()))?;
    Ok((name, fallback))
}

/// The room `actor` names, if it exists and they may see it (else it does not exist for them).
async fn get_room(state: &AppState, actor: &User, id: RoomId) -> Result<Room, ChatError> {
    let found = state.db.call(move |s| s.get_room(id)).await?;
    found.filter(|room| room.visible_to(actor.id)).ok_or(ChatError::RoomNotFound(id))
}

/// Only a room's creator may change it (nobody created the default room, a city room or a
/// direct conversation).
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

#[cfg(test)]
mod tests {
    use super::city_room_names;

    #[test]
    fn a_city_room_is_named_after_its_city_and_falls_back_to_the_city_with_a_word_after_it() {
        let (name, fallback) = city_room_names("Казань").unwrap();
        assert_eq!((name.as_str(), fallback.as_str()), ("Казань", "Казань · город"));
        let long = "Д".repeat(64);
        let (name, fallback) = city_room_names(&long).unwrap();
        assert_eq!(name.as_str(), long);
        assert_eq!(fallback.as_str().chars().count(), 64, "{fallback:?}");
        assert!(fallback.as_str().ends_with(" · город"));
    }
}
