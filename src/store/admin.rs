//! What the operator commands (`discock admin …`) read beyond the other traits: a user's
//! messages, and every room with its figures. Implemented by both backends.

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{MessageId, RoomId, UserId};

/// Reads for the operator, never used while serving.
pub trait AdminStore {
    /// The ids of `user`'s messages that are not deleted, oldest first.
    fn message_ids_of(&self, user: UserId) -> Result<Vec<MessageId>, StoreError>;
    /// Every room, direct conversations included, oldest first, with its figures.
    fn room_summaries(&self) -> Result<Vec<RoomSummary>, StoreError>;
}

/// One room as `discock admin list-rooms` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSummary {
    pub id: RoomId,
    pub name: String,
    pub kind: SummaryKind,
    /// The people the room has: the two of a direct conversation; for other rooms (public
    /// rooms have no membership list) everyone who has posted in it or has a read marker in it.
    pub members: u64,
    /// Its messages that are not deleted.
    pub messages: u64,
    /// When the newest of those was sent; `None` without any.
    pub last_message_at: Option<DateTime<Utc>>,
}

/// What kind of room a summary is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryKind {
    /// A public room anyone may join.
    Room,
    /// The room of a canonical city.
    City,
    /// A direct conversation of two people.
    Dm,
}

impl SummaryKind {
    /// The kind as the table prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            SummaryKind::Room => "room",
            SummaryKind::City => "city",
            SummaryKind::Dm => "dm",
        }
    }

    /// The kind from a room's stored columns.
    pub(crate) fn of(is_dm: bool, city_id: Option<i64>) -> SummaryKind {
        match (is_dm, city_id) {
            (true, _) => SummaryKind::Dm,
            (false, Some(_)) => SummaryKind::City,
            (false, None) => SummaryKind::Room,
        }
    }
}

/// The query both backends run for [`AdminStore::room_summaries`] (the same SQL reads on
/// both); `dm_a` is set for direct conversations only.
pub(crate) const ROOM_SUMMARIES_SQL: &str = "
    SELECT r.id, r.name, r.dm_a IS NOT NULL, r.city_id,
           CASE WHEN r.dm_a IS NOT NULL THEN 2 ELSE
             (SELECT count(*) FROM (SELECT user_id FROM messages WHERE room_id = r.id
                                    UNION SELECT user_id FROM read_states WHERE room_id = r.id) AS people)
           END,
           (SELECT count(*) FROM messages WHERE room_id = r.id AND deleted_at IS NULL),
           (SELECT max(created_at) FROM messages WHERE room_id = r.id AND deleted_at IS NULL)
    FROM rooms r ORDER BY r.id";

/// The query both backends run for [`AdminStore::message_ids_of`].
pub(crate) const MESSAGE_IDS_OF_SQL: &str =
    "SELECT id FROM messages WHERE user_id = $1 AND deleted_at IS NULL ORDER BY id";
