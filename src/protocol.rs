//! The WebSocket protocol: frames a client may send (`ClientFrame`) and frames the server sends
//! (`ServerFrame`), both JSON objects tagged by `"type"`; plus `Frame`, an encoded server frame
//! that is serialized once and shared by every recipient.

use serde::{Deserialize, Serialize};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::domain::{Message, Room, RoomId, User, UserId, Username};

/// A frame from a client.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    JoinRoom {
        room_id: RoomId,
    },
    LeaveRoom {
        room_id: RoomId,
    },
    SendMessage {
        room_id: RoomId,
        content: String,
        #[serde(default)]
        client_id: Option<String>,
    },
    Typing {
        room_id: RoomId,
    },
    Ping,
}

const CLIENT_TYPES: &[&str] = &["join_room", "leave_room", "send_message", "typing", "ping"];

/// Machine-readable reason in an `error` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidJson,
    UnknownType,
    RoomNotFound,
    NotJoined,
    EmptyMessage,
    MessageTooLong,
    /// The server could not store or process the frame (database down); retrying later may work.
    ServerError,
}

/// Why a client frame was refused: becomes an `error` frame; the connection stays open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    pub code: ErrorCode,
    pub message: String,
    /// The `client_id` of the refused `send_message`, so that a client with several messages in
    /// flight knows which one failed.
    pub client_id: Option<String>,
}

impl FrameError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        FrameError { code, message: message.into(), client_id: None }
    }

    /// The same error, naming the message it refuses.
    pub fn for_message(mut self, client_id: Option<&str>) -> Self {
        self.client_id = client_id.map(str::to_owned);
        self
    }
}

impl ClientFrame {
    /// Parses one text frame, telling malformed JSON apart from a well-formed frame of an unknown type.
    pub fn parse(text: &str) -> Result<ClientFrame, FrameError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| FrameError::new(ErrorCode::InvalidJson, format!("Кадр не является JSON: {e}")))?;
        let kind = value.get("type").and_then(serde_json::Value::as_str).map(str::to_owned).ok_or_else(|| {
            FrameError::new(ErrorCode::InvalidJson, "Кадр должен быть JSON-объектом с полем \"type\"")
        })?;
        if !CLIENT_TYPES.contains(&kind.as_str()) {
            return Err(FrameError::new(ErrorCode::UnknownType, format!("Неизвестный тип кадра: {kind:?}")));
        }
        serde_json::from_value(value)
            .map_err(|e| FrameError::new(ErrorCode::InvalidJson, format!("Неверные поля кадра {kind:?}: {e}")))
    }
}

/// The part of a user shown next to "… печатает".
#[derive(Debug, Serialize)]
pub struct TypingUser<'a> {
    pub id: UserId,
    pub username: &'a Username,
}

/// A frame from the server.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    Connected {
        user: &'a User,
    },
    RoomUsersList {
        room_id: RoomId,
        users: Vec<&'a User>,
    },
    JoinedRoom {
        room_id: RoomId,
        user: &'a User,
    },
    LeftRoom {
        room_id: RoomId,
        user_id: UserId,
    },
    NewMessage {
        message: &'a Message,
    },
    Typing {
        room_id: RoomId,
        user: TypingUser<'a>,
    },
    Pong,
    RoomCreated {
        room: &'a Room,
    },
    RoomUpdated {
        room: &'a Room,
    },
    RoomDeleted {
        room_id: RoomId,
    },
    Error {
        code: ErrorCode,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<&'a str>,
    },
}

impl ServerFrame<'_> {
    /// Serializes the frame once; the result is shared by every recipient.
    pub fn encode(&self) -> Frame {
        // Serializing these types cannot fail: no maps with non-string keys, no failing Serialize impls.
        let json = serde_json::to_string(self).expect("server frames always serialize");
        Frame(Utf8Bytes::from(json))
    }
}

impl<'a> From<&'a FrameError> for ServerFrame<'a> {
    fn from(e: &'a FrameError) -> Self {
        ServerFrame::Error { code: e.code, message: &e.message, client_id: e.client_id.as_deref() }
    }
}

/// An encoded server frame: JSON text, reference-counted, cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame(Utf8Bytes);

impl Frame {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
    /// The payload of the WebSocket text message carrying this frame.
    pub fn into_text(self) -> Utf8Bytes {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_frames_parse_into_their_variants() {
        assert_eq!(ClientFrame::parse(r#"{"type":"ping"}"#).unwrap(), ClientFrame::Ping);
        assert_eq!(
            ClientFrame::parse(r#"{"type":"send_message","room_id":3,"content":"hi"}"#).unwrap(),
            ClientFrame::SendMessage { room_id: RoomId(3), content: "hi".into(), client_id: None }
        );
    }

    #[test]
    fn broken_json_and_missing_type_are_invalid_json() {
        for text in ["{", "[]", "42", r#"{"room_id":1}"#, r#"{"type":5}"#] {
            assert_eq!(ClientFrame::parse(text).unwrap_err().code, ErrorCode::InvalidJson, "{text}");
        }
    }

    #[test]
    fn an_unknown_type_is_reported_as_such() {
        assert_eq!(ClientFrame::parse(r#"{"type":"dance"}"#).unwrap_err().code, ErrorCode::UnknownType);
    }

    #[test]
    fn a_known_type_with_wrong_fields_is_invalid_json() {
        for text in [r#"{"type":"join_room"}"#, r#"{"type":"join_room","room_id":"x"}"#] {
            assert_eq!(ClientFrame::parse(text).unwrap_err().code, ErrorCode::InvalidJson, "{text}");
        }
    }

    #[test]
    fn server_frames_are_tagged_by_type_in_snake_case() {
        let frame = ServerFrame::RoomDeleted { room_id: RoomId(7) }.encode();
        assert_eq!(frame.as_str(), r#"{"type":"room_deleted","room_id":7}"#);
        assert_eq!(ServerFrame::Pong.encode().as_str(), r#"{"type":"pong"}"#);
    }
}
