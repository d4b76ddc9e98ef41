//! The `code` of an `error` frame: stable English identifiers clients may rely on (the text
//! beside it is for people and may change), and the ways a frame can be malformed.

use serde::{Deserialize, Serialize};

/// Machine-readable reason in an `error` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, not an object with a string `type`, or a known type with wrong fields.
    InvalidJson,
    /// A well-formed frame of a type the server does not know.
    UnknownType,
    RoomNotFound,
    /// The frame names a room this connection has not joined.
    NotJoined,
    EmptyMessage,
    MessageTooLong,
    /// `join_room`'s `since` is negative or ahead of the room's seq.
    InvalidSince,
    /// The operation is reserved for someone else (such as the room's creator).
    Forbidden,
    /// The change collides with something that exists (such as another room's name).
    Conflict,
    /// A field's value breaks its rules.
    InvalidInput,
    /// Too many messages in too short a time; the frame carries `retry_after_ms`.
    RateLimited,
    /// The server could not store or process the frame (database down); retrying later may work.
    ServerError,
    /// `set_language` named a language the product does not speak.
    UnsupportedLanguage,
    /// The frame names a message that does not exist (or was deleted), or, as `reply_to`, one
    /// of another room.
    MessageNotFound,
    /// A reaction that is not exactly one emoji.
    InvalidEmoji,
    /// A message already has reactions with the most distinct emoji it may have.
    TooManyReactions,
    /// One of the two people blocked the other, so the frame may not reach its addressee.
    Blocked,
}

/// Why a text frame could not be read as a client frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// Not JSON at all.
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object with a string `type`.
    #[error("not an object with a string \"type\"")]
    NoType,
    #[error("unknown frame type {0:?}")]
    UnknownType(String),
    /// A known type whose fields are missing or of the wrong kind.
    #[error("wrong fields for {kind:?}: {detail}")]
    BadFields { kind: String, detail: String },
    /// A binary frame: the protocol is JSON text.
    #[error("binary frame")]
    Binary,
}

impl ProtocolError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ProtocolError::UnknownType(_) => ErrorCode::UnknownType,
            ProtocolError::NotJson(_)
            | ProtocolError::NoType
            | ProtocolError::BadFields { .. }
            | ProtocolError::Binary => ErrorCode::InvalidJson,
        }
    }
}
