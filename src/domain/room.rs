//! Rooms: a public room or a direct conversation of two people, and who may see which.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{RoomId, User, UserId};
use crate::cities::CityId;

/// A room (channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: RoomId,
    pub name: String,
    pub description: String,
    /// Creator's id; `None` for the default room, which nobody owns.
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    /// The default room cannot be deleted.
    #[serde(skip)]
    pub is_default: bool,
    /// `"room"`: public, listed, anyone may join; `"dm"`: a direct conversation of two people.
    #[serde(default)]
    pub kind: RoomKind,
    /// The two people of a direct conversation, lower id first (empty for other rooms). Only
    /// they may see it: to anyone else it does not exist.
    #[serde(skip)]
    pub dm: Option<[UserId; 2]>,
    /// The two people of a direct conversation as users, where an answer shows them (`POST` and
    /// `GET /api/dms`, the `direct_message` frame); empty elsewhere and for other rooms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<User>,
    /// The canonical city of a city room (one per city, opened by its people); `None` for every
    /// other room.
    #[serde(default)]
    pub city_id: Option<CityId>,
    /// For a city room, how many people of its city show their city, as of the read; `None`
    /// for every other room.
    #[serde(default)]
    pub city_members: Option<u32>,
}

/// What kind of room a room is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// A public room: listed, announced, open to everyone signed in.
    #[default]
    Room,
    /// A direct conversation of two people, visible to them only.
    Dm,
}

impl Room {
    /// The room as stored: a city room when it has a city (with the count of its people who
    /// show it).
    pub fn with_city(mut self, city: Option<u32>, members: Option<i64>) -> Room {
        self.city_id = city.map(CityId);
        self.city_members = self.city_id.map(|_| members.and_then(|n| u32::try_from(n).ok()).unwrap_or(0));
        self
    }

    /// The room as stored: a direct conversation when both of its people are named.
    pub fn with_dm(mut self, a: Option<i64>, b: Option<i64>) -> Room {
        if let (Some(a), Some(b)) = (a, b) {
            self.kind = RoomKind::Dm;
            self.dm = Some([UserId(a), UserId(b)]);
        }
        self
    }

    /// Whether `user` may see this room at all: every public room, and a direct conversation
    /// for its two people only. A room someone may not see answers as one that does not exist.
    pub fn visible_to(&self, user: UserId) -> bool {
        self.dm.is_none_or(|pair| pair.contains(&user))
    }

    /// The other person of a direct conversation, seen by one of its two.
    pub fn peer_of(&self, user: UserId) -> Option<UserId> {
        let [a, b] = self.dm?;
        (a == user).then_some(b).or((b == user).then_some(a))
    }

    /// The unique key of the direct conversation of `a` and `b` (either order): a `name_key` no
    /// room name can have (it starts with a control character), so the rooms' unique name index
    /// keeps one conversation per pair.
    pub fn dm_key(a: UserId, b: UserId) -> String {
        let (low, high) = if a.0 < b.0 { (a, b) } else { (b, a) };
        format!("\u{1}dm:{}:{}", low.0, high.0)
    }
}
