//! Frames the server sends. Owned and (de)serializable: the same values travel between
//! instances through Redis, so the fan-out carries these frames rather than a list of its own.

use serde::{Deserialize, Serialize};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::errors::ErrorCode;
use super::Frame;
use crate::domain::{Author, Message, MessageId, Presence, PresentUser, ReadState, Room, RoomId, User, UserId};
use crate::events::{Change, RoomEvent};

/// The part of a user shown next to "… печатает".
pub type TypingUser = Author;

/// A frame from the server. Frames that report a logged room event carry `seq`, the room's
/// seq after that event; presence, typing and the room list carry none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Connected {
        user: User,
    },
    RoomUsersList {
        room_id: RoomId,
        users: Vec<PresentUser>,
    },
    JoinedRoom {
        room_id: RoomId,
        user: PresentUser,
    },
    /// A person's presence changed: told to those in a room where they are present and to
    /// those they have a direct conversation with.
    Presence {
        user_id: UserId,
        status: Presence,
    },
    LeftRoom {
        room_id: RoomId,
        user_id: UserId,
    },
    NewMessage {
        message: Message,
        seq: i64,
    },
    RoomUpdated {
        room: Room,
        seq: i64,
    },
    MessageUpdated {
        message: Message,
        seq: i64,
    },
    MessageDeleted {
        room_id: RoomId,
        message_id: MessageId,
        seq: i64,
    },
    ReactionAdded {
        room_id: RoomId,
        message_id: MessageId,
        emoji: String,
        user_id: UserId,
        seq: i64,
    },
    ReactionRemoved {
        room_id: RoomId,
        message_id: MessageId,
        emoji: String,
        user_id: UserId,
        seq: i64,
    },
    /// A resuming client missed too many events to replay: it should reload the room's newest
    /// page; live events after `seq` follow.
    ResyncRequired {
        room_id: RoomId,
        seq: i64,
    },
    Typing {
        room_id: RoomId,
        user: TypingUser,
    },
    Pong,
    RoomCreated {
        room: Room,
    },
    /// A message mentioning you was stored in a room this connection did not join.
    Mentioned {
        message: Message,
    },
    /// You muted or unmuted a room (on any device).
    RoomMuted {
        room_id: RoomId,
        muted: bool,
    },
    /// A message was stored in a direct conversation of yours that this connection did not
    /// join: the conversation (with its two members) and the message.
    DirectMessage {
        room: Room,
        message: Message,
    },
    RoomDeleted {
        room_id: RoomId,
    },
    /// A user changed how everyone sees them (their city, about or avatar): to every connection;
    /// not logged.
    UserUpdated {
        user: User,
    },
    /// The user's read marker in a room moved forward (on another of their connections), with
    /// the unread counts after it; not logged.
    ReadState {
        room_id: RoomId,
        last_read_id: MessageId,
        unread: u32,
        mentions: u32,
    },
    /// The user blocked `user_id` (on this or another of their connections, or over HTTP); sent
    /// to every connection of the blocker, never to the blocked user. Not logged.
    UserBlocked {
        user_id: UserId,
    },
    /// The user lifted their block of `user_id`; like [`ServerFrame::UserBlocked`].
    UserUnblocked {
        user_id: UserId,
    },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        /// With `rate_limited`: how long until the same frame would be accepted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}

impl ServerFrame {
    /// Serializes the frame once; the result is shared by every recipient.
    pub fn encode(&self) -> Frame {
        // Serializing these types cannot fail: no maps with non-string keys, no failing Serialize impls.
        let json = serde_json::to_string(self).expect("server frames always serialize");
        Frame(Utf8Bytes::from(json))
    }
}

impl From<ReadState> for ServerFrame {
    fn from(state: ReadState) -> Self {
        let ReadState { room_id, last_read_id, unread, mentions } = state;
        ServerFrame::ReadState { room_id, last_read_id, unread, mentions }
    }
}

impl From<RoomEvent> for ServerFrame {
    /// The frame that tells clients of a logged room event.
    fn from(event: RoomEvent) -> Self {
        let (seq, room_id) = (event.seq, event.room_id);
        match event.change {
            Change::MessageCreated { message } => ServerFrame::NewMessage { message, seq },
            Change::RoomUpdated { room } => ServerFrame::RoomUpdated { room, seq },
            Change::MessageUpdated { message } => ServerFrame::MessageUpdated { message, seq },
            Change::MessageDeleted { message_id } => ServerFrame::MessageDeleted { room_id, message_id, seq },
            Change::ReactionAdded { message_id, emoji, user_id } => {
                ServerFrame::ReactionAdded { room_id, message_id, emoji, user_id, seq }
            }
            Change::ReactionRemoved { message_id, emoji, user_id } => {
                ServerFrame::ReactionRemoved { room_id, message_id, emoji, user_id, seq }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_frames_are_tagged_by_type_in_snake_case() {
        let frame = ServerFrame::RoomDeleted { room_id: RoomId(7) }.encode();
        assert_eq!(frame.as_str(), r#"{"type":"room_deleted","room_id":7}"#);
        assert_eq!(ServerFrame::Pong.encode().as_str(), r#"{"type":"pong"}"#);
        let resync = ServerFrame::ResyncRequired { room_id: RoomId(2), seq: 1500 }.encode();
        assert_eq!(resync.as_str(), r#"{"type":"resync_required","room_id":2,"seq":1500}"#);
    }

    #[test]
    fn every_frame_reads_back_as_itself() {
        let user = User {
            id: UserId(1),
            username: crate::domain::Username::parse("anna").unwrap(),
            city: Some(crate::domain::City::parse("Орёл").unwrap()),
            city_id: None,
            country: None,
            timezone: None,
            avatar_url: crate::domain::AvatarUrl::of(UserId(1), Some(42)),
        };
        let frames = [
            ServerFrame::Connected { user: user.clone() },
            ServerFrame::UserUpdated { user: user.clone() },
            ServerFrame::JoinedRoom {
                room_id: RoomId(1),
                user: PresentUser { user: user.clone(), presence: Presence::Idle },
            },
            ServerFrame::RoomUsersList {
                room_id: RoomId(1),
                users: vec![PresentUser { user: user.clone(), presence: Presence::Online }],
            },
            ServerFrame::Presence { user_id: user.id, status: Presence::Offline },
            ServerFrame::LeftRoom { room_id: RoomId(1), user_id: user.id },
            ServerFrame::UserBlocked { user_id: UserId(2) },
            ServerFrame::UserUnblocked { user_id: UserId(2) },
            ServerFrame::ReadState { room_id: RoomId(1), last_read_id: MessageId(9), unread: 1000, mentions: 2 },
            ServerFrame::Typing { room_id: RoomId(1), user: TypingUser { id: user.id, username: user.username } },
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                message: "x".into(),
                client_id: Some("c".into()),
                retry_after_ms: Some(1500),
            },
        ];
        for frame in frames {
            let back: ServerFrame = serde_json::from_str(frame.encode().as_str()).unwrap();
            assert_eq!(back, frame);
        }
    }
}
