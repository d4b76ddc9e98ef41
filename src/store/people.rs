//! What the store keeps about people beyond their accounts: avatars, direct conversations,
//! muted rooms and blocks — one trait each, implemented by both backends.

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{AvatarSize, AvatarVersion, Blocks, Message, Room, RoomId, User, UserId};

/// Avatars: a user's picture in its two served sizes, its version on the user's own row (so
/// every read of a user carries it without a join), both written in one transaction.
pub trait AvatarStore {
    /// Replaces the user's avatar with `avatar` (a new version); the user as they are now.
    /// `NotFound` when there is no such user.
    fn set_avatar(&self, user: UserId, avatar: &NewAvatar, now: DateTime<Utc>) -> Result<User, StoreError>;
    /// Removes the user's avatar, if any; the user as they are now. `NotFound`: no such user.
    fn delete_avatar(&self, user: UserId) -> Result<User, StoreError>;
    /// The stored picture of `user` at `version` in one size, with its content type; `None`
    /// when the user has no avatar or another version.
    fn avatar(
        &self,
        user: UserId,
        version: AvatarVersion,
        size: AvatarSize,
    ) -> Result<Option<StoredAvatar>, StoreError>;
}

/// A processed avatar on its way into storage.
#[derive(Debug, Clone)]
pub struct NewAvatar {
    pub version: AvatarVersion,
    /// The [`AvatarSize::Small`] picture, encoded.
    pub small: Vec<u8>,
    /// The [`AvatarSize::Large`] picture, encoded.
    pub large: Vec<u8>,
    pub content_type: &'static str,
}

/// One size of a stored avatar, as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAvatar {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// Direct conversations: a room of two people that only they can see.
pub trait DmStore {
    /// The direct conversation of `a` and `b` (two different users), made now if they have
    /// none, with its `members` filled; `true` when it was made by this call. Two calls racing
    /// (on any instance) make one conversation. [`StoreError::NotFound`] when either user does
    /// not exist.
    fn open_dm(&self, a: UserId, b: UserId, now: DateTime<Utc>) -> Result<(Room, bool), StoreError>;
    /// `user`'s direct conversations: the one with the newest message first, those without a
    /// message after them, newest first; each with the other person and its newest message
    /// (`me` of its reactions said for `user`).
    fn dms(&self, user: UserId) -> Result<Vec<Conversation>, StoreError>;
    /// A room with its `members` filled when it is a direct conversation (as it is otherwise).
    fn with_members(&self, room: Room) -> Result<Room, StoreError>;
    /// The people `user` has a direct conversation with (whom their presence concerns).
    fn dm_peers(&self, user: UserId) -> Result<Vec<UserId>, StoreError>;
}

/// One of a user's direct conversations, as `GET /api/dms` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Conversation {
    /// The room, with its two `members`.
    pub room: Room,
    /// The other person.
    pub user: User,
    /// The newest message that is not deleted, if any.
    pub last_message: Option<Message>,
}

impl Conversation {
    /// Orders conversations as [`DmStore::dms`] lists them.
    pub(super) fn sort(list: &mut [Conversation]) {
        list.sort_by(|x, y| {
            let newest = |c: &Conversation| c.last_message.as_ref().map(|m| m.id);
            newest(y).cmp(&newest(x)).then(y.room.created_at.cmp(&x.room.created_at)).then(y.room.id.cmp(&x.room.id))
        });
    }

    /// A conversation of `user`'s from its room (members filled) and newest message.
    pub(super) fn of(room: Room, user: UserId, last_message: Option<Message>) -> Option<Conversation> {
        let other = room.members.iter().find(|m| m.id != user)?.clone();
        Some(Conversation { room, user: other, last_message })
    }
}

/// Rooms each user muted: stored per user, so every device of theirs stays quiet about them.
pub trait MuteStore {
    /// Mutes or unmutes `room` for `user`; false when it was so already (which is no error).
    fn set_muted(&self, user: UserId, room: RoomId, muted: bool, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// The rooms `user` muted, by id.
    fn muted_rooms(&self, user: UserId) -> Result<Vec<RoomId>, StoreError>;
}

/// Who blocked whom: one row per pair and direction, kept until unblocked. The same for every
/// device and instance of both users.
pub trait BlockStore {
    /// `blocker` blocks `blocked` (another user) as of `now`; a block already there stays as it
    /// was, its time too.
    fn block(&self, blocker: UserId, blocked: UserId, now: DateTime<Utc>) -> Result<Block, StoreError>;
    /// Lifts `blocker`'s block of `blocked`; false when there was none.
    fn unblock(&self, blocker: UserId, blocked: UserId) -> Result<bool, StoreError>;
    /// The users `blocker` blocked, the most recently blocked first.
    fn blocked_users(&self, blocker: UserId) -> Result<Vec<User>, StoreError>;
    /// `user`'s blocks both ways (whom they blocked, who blocked them), each in id order.
    fn blocks(&self, user: UserId) -> Result<Blocks, StoreError>;
    /// Whether either of `a` and `b` blocked the other.
    fn blocked_between(&self, a: UserId, b: UserId) -> Result<bool, StoreError>;
}

/// What [`BlockStore::block`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// The block is new.
    Blocked,
    /// It was there already: nothing changed.
    AlreadyBlocked,
    /// There is no user `blocked`.
    NoSuchUser,
}
