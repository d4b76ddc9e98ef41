//! Frames a client sends. The set of known frame types is the enum itself: a type that is not
//! one of its variants lands in [`ClientFrame::Unknown`] (serde's `other`), so there is no
//! second list to keep in step.

use serde::Deserialize;

use super::errors::ProtocolError;
use crate::domain::RoomId;

/// A frame from a client.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    JoinRoom {
        room_id: RoomId,
        /// The seq of the last room event the client has: the server replays what came after.
        #[serde(default)]
        since: Option<i64>,
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
    /// Any other `type`: answered with `unknown_type`.
    #[serde(other)]
    Unknown,
}

impl ClientFrame {
    /// Parses one text frame, telling malformed JSON apart from a well-formed frame of an
    /// unknown type.
    pub fn parse(text: &str) -> Result<ClientFrame, ProtocolError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ProtocolError::NotJson(e.to_string()))?;
        let kind =
            value.get("type").and_then(serde_json::Value::as_str).map(str::to_owned).ok_or(ProtocolError::NoType)?;
        match serde_json::from_value(value) {
            Ok(ClientFrame::Unknown) => Err(ProtocolError::UnknownType(kind)),
            Ok(frame) => Ok(frame),
            Err(e) => Err(ProtocolError::BadFields { kind, detail: e.to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ErrorCode;

    #[test]
    fn known_frames_parse_into_their_variants() {
        assert_eq!(ClientFrame::parse(r#"{"type":"ping"}"#).unwrap(), ClientFrame::Ping);
        assert_eq!(
            ClientFrame::parse(r#"{"type":"send_message","room_id":3,"content":"hi"}"#).unwrap(),
            ClientFrame::SendMessage { room_id: RoomId(3), content: "hi".into(), client_id: None }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"join_room","room_id":3,"since":7}"#).unwrap(),
            ClientFrame::JoinRoom { room_id: RoomId(3), since: Some(7) }
        );
    }

    #[test]
    fn broken_json_and_missing_type_are_invalid_json() {
        for text in ["{", "[]", "42", r#"{"room_id":1}"#, r#"{"type":5}"#] {
            assert_eq!(ClientFrame::parse(text).unwrap_err().code(), ErrorCode::InvalidJson, "{text}");
        }
    }

    #[test]
    fn an_unknown_type_is_reported_as_such_whatever_its_fields() {
        for text in [r#"{"type":"dance"}"#, r#"{"type":"dance","room_id":"x"}"#, r#"{"type":"unknown"}"#] {
            let err = ClientFrame::parse(text).unwrap_err();
            assert_eq!(err.code(), ErrorCode::UnknownType, "{text}");
        }
    }

    #[test]
    fn a_known_type_with_wrong_fields_is_invalid_json() {
        for text in [
            r#"{"type":"join_room"}"#,
            r#"{"type":"join_room","room_id":"x"}"#,
            r#"{"type":"join_room","room_id":1,"since":"x"}"#,
        ] {
            assert_eq!(ClientFrame::parse(text).unwrap_err().code(), ErrorCode::InvalidJson, "{text}");
        }
    }
}
