//! Frames a client sends. The set of known frame types is the enum itself: a type that is not
//! one of its variants lands in [`ClientFrame::Unknown`] (serde's `other`), so there is no
//! second list to keep in step.

use serde::Deserialize;

use super::errors::ProtocolError;
use crate::domain::{Activity, MessageId, RoomId};

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
        /// The message of the same room this one answers.
        #[serde(default)]
        reply_to: Option<MessageId>,
    },
    EditMessage {
        message_id: MessageId,
        content: String,
    },
    DeleteMessage {
        message_id: MessageId,
    },
    AddReaction {
        message_id: MessageId,
        emoji: String,
    },
    RemoveReaction {
        message_id: MessageId,
        emoji: String,
    },
    PinMessage {
        message_id: MessageId,
    },
    UnpinMessage {
        message_id: MessageId,
    },
    Typing {
        room_id: RoomId,
    },
    /// The user has read the room up to this message (of a room this connection joined); the
    /// user's other connections hear `read_state` when the marker moves forward.
    MarkRead {
        room_id: RoomId,
        message_id: MessageId,
    },
    Ping,
    /// Whether this connection is in use (`online`) or idle (its tab hidden, or untouched for a
    /// while); a connection starts online.
    Presence {
        status: Activity,
    },
    /// Switches the language of this connection's `error` frames (and close reasons); a code
    /// the product does not speak is answered with `unsupported_language`.
    SetLanguage {
        language: String,
    },
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
            ClientFrame::SendMessage { room_id: RoomId(3), content: "hi".into(), client_id: None, reply_to: None }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"join_room","room_id":3,"since":7}"#).unwrap(),
            ClientFrame::JoinRoom { room_id: RoomId(3), since: Some(7) }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"send_message","room_id":3,"content":"да","reply_to":9}"#).unwrap(),
            ClientFrame::SendMessage {
                room_id: RoomId(3),
                content: "да".into(),
                client_id: None,
                reply_to: Some(MessageId(9))
            }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"edit_message","message_id":9,"content":"да"}"#).unwrap(),
            ClientFrame::EditMessage { message_id: MessageId(9), content: "да".into() }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"add_reaction","message_id":9,"emoji":"👍"}"#).unwrap(),
            ClientFrame::AddReaction { message_id: MessageId(9), emoji: "👍".into() }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"unpin_message","message_id":9}"#).unwrap(),
            ClientFrame::UnpinMessage { message_id: MessageId(9) }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"mark_read","room_id":3,"message_id":9}"#).unwrap(),
            ClientFrame::MarkRead { room_id: RoomId(3), message_id: MessageId(9) }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"set_language","language":"en"}"#).unwrap(),
            ClientFrame::SetLanguage { language: "en".into() }
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
            r#"{"type":"set_language"}"#,
            r#"{"type":"set_language","language":5}"#,
            r#"{"type":"edit_message","message_id":9}"#,
            r#"{"type":"mark_read","room_id":1}"#,
            r#"{"type":"delete_message","message_id":"9"}"#,
            r#"{"type":"add_reaction","message_id":9,"emoji":5}"#,
            r#"{"type":"send_message","room_id":1,"content":"x","reply_to":"y"}"#,
        ] {
            assert_eq!(ClientFrame::parse(text).unwrap_err().code(), ErrorCode::InvalidJson, "{text}");
        }
    }

    /// Property tests: whatever text arrives, `parse` returns (no panic) and sorts it the way
    /// the `error` codes promise.
    mod properties {
        use proptest::prelude::*;
        use serde_json::{json, Value};

        use super::*;

        /// The result of parsing `text` agrees with what `text` is: not an object with a string
        /// `type` is `NoType` or `NotJson`, and `UnknownType` names the type it did not know.
        fn check(text: &str) -> Result<(), TestCaseError> {
            let value = serde_json::from_str::<Value>(text).ok();
            let kind = value.as_ref().and_then(|v| v.get("type")).and_then(Value::as_str);
            match ClientFrame::parse(text) {
                Err(ProtocolError::NotJson(_)) => prop_assert!(value.is_none(), "valid JSON called not JSON"),
                Err(ProtocolError::NoType) => prop_assert!(value.is_some() && kind.is_none()),
                Err(ProtocolError::UnknownType(named)) => prop_assert_eq!(Some(named.as_str()), kind),
                Err(ProtocolError::BadFields { kind: named, .. }) => prop_assert_eq!(Some(named.as_str()), kind),
                Err(ProtocolError::Binary) => prop_assert!(false, "a text frame reported as binary"),
                Ok(_) => prop_assert!(kind.is_some(), "parsed without a string type"),
            }
            Ok(())
        }

        /// Any JSON value, nested a few levels, with the keys frames use among random ones.
        fn json_value() -> impl Strategy<Value = Value> {
            let key = prop_oneof![
                Just("type".to_owned()),
                Just("room_id".to_owned()),
                Just("content".to_owned()),
                Just("since".to_owned()),
                Just("client_id".to_owned()),
                ".{0,8}",
            ];
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                prop_oneof![Just("ping"), Just("join_room"), Just("send_message"), Just("typing"), Just("leave_room")]
                    .prop_map(Value::from),
                ".{0,16}".prop_map(Value::from),
            ];
            leaf.prop_recursive(3, 32, 6, move |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                    prop::collection::btree_map(key.clone(), inner, 0..6)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// A frame the server accepts, with random field values.
        fn valid_frame() -> impl Strategy<Value = String> {
            prop_oneof![
                Just(json!({ "type": "ping" })),
                (any::<i64>(), prop::option::of(any::<i64>()))
                    .prop_map(|(room, since)| json!({ "type": "join_room", "room_id": room, "since": since })),
                any::<i64>().prop_map(|room| json!({ "type": "leave_room", "room_id": room })),
                any::<i64>().prop_map(|room| json!({ "type": "typing", "room_id": room })),
                (any::<i64>(), ".{0,64}", prop::option::of("[a-z0-9-]{0,40}")).prop_map(|(room, content, id)| {
                    json!({ "type": "send_message", "room_id": room, "content": content, "client_id": id })
                }),
            ]
            .prop_map(|frame| frame.to_string())
        }

        /// A valid frame with a few bytes replaced, inserted or deleted, read back lossily as
        /// text (as any text frame is UTF-8).
        fn mutated_frame() -> impl Strategy<Value = String> {
            let edit = (any::<prop::sample::Index>(), any::<u8>(), 0..3u8);
            (valid_frame(), prop::collection::vec(edit, 1..5)).prop_map(|(frame, edits)| {
                let mut bytes = frame.into_bytes();
                for (at, byte, op) in edits {
                    let i = at.index(bytes.len().max(1));
                    match op {
                        0 if !bytes.is_empty() => bytes[i] = byte,
                        1 => bytes.insert(i.min(bytes.len()), byte),
                        _ if !bytes.is_empty() => {
                            bytes.remove(i);
                        }
                        _ => {}
                    }
                }
                String::from_utf8_lossy(&bytes).into_owned()
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn any_string_parses_or_is_refused_with_a_protocol_error(text in any::<String>()) {
                check(&text)?;
            }

            #[test]
            fn any_json_value_is_sorted_by_whether_it_has_a_known_string_type(value in json_value()) {
                check(&value.to_string())?;
            }

            #[test]
            fn a_valid_frame_parses_and_a_mutated_one_parses_or_is_refused(
                frame in valid_frame(),
                mutated in mutated_frame(),
            ) {
                prop_assert!(ClientFrame::parse(&frame).is_ok(), "{}", frame);
                check(&mutated)?;
            }
        }
    }
}
