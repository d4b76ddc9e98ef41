//! Frame dispatch: one client frame → one chat operation → the reply for this connection, if
//! any. It never writes to the socket itself: the connection (`super::connection`) sends what
//! it returns. Room events reach the connection through the hub like everyone else's.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::chat::changes::{self, ChangeRequest};
use crate::chat::messages::{self, SendMessage};
use crate::chat::{presence, reads, ChatError, Participant};
use crate::domain::{DomainError, RoomId, User};
use crate::hub::Member;
use crate::i18n::Lang;
use crate::metrics::RefusedFrames;
use crate::protocol::{ClientFrame, ErrorCode, Frame, ProtocolError, ServerFrame};
use crate::state::AppState;
use crate::store::{Inserted, PendingInsert, StoreError};
use crate::texts::{self, Sentence};

/// Messages one connection may have queued for storage before its next frame is read. A
/// connection does not wait for one message's commit before reading the next, so a fast
/// sender's messages share commits instead of paying one each; beyond this it waits.
pub const MESSAGES_IN_FLIGHT: usize = 64;

/// A message of this connection's queued for storage, with what it was sent with.
struct InFlight {
    room: RoomId,
    client_id: Option<String>,
    pending: PendingInsert,
}

/// One connection's frame handling: its place in the chat, its messages in flight and the
/// language it is spoken to in.
pub struct Dispatcher {
    state: AppState,
    participant: Participant,
    /// Oldest first; they commit in this order.
    in_flight: VecDeque<InFlight>,
    /// The language of this connection's `error` frames and close reason: the user's saved
    /// language (else the upgrade request's) until a `set_language` frame changes it.
    lang: Lang,
}

impl Dispatcher {
    pub fn new(state: AppState, member: Arc<Member>, lang: Lang) -> Self {
        Dispatcher { state, participant: Participant::new(member), in_flight: VecDeque::new(), lang }
    }

    /// The language the connection is spoken to in now.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The first frame a connection of `user` gets.
    pub fn hello(user: &User) -> Frame {
        ServerFrame::Connected { user: user.clone() }.encode()
    }

    /// Handles one text frame; returns the reply for this connection, if there is one.
    pub async fn text(&mut self, text: &str) -> Option<Frame> {
        let lang = self.lang;
        let frame = match ClientFrame::parse(text) {
            Ok(frame) => frame,
            Err(e) => return Some(protocol_error(lang, &e, &self.state.metrics.refused)),
        };
        let state = &self.state;
        let refused = &state.metrics.refused;
        let participant = &mut self.participant;
        let result = match frame {
            ClientFrame::Ping => return Some(ServerFrame::Pong.encode()),
            ClientFrame::SetLanguage { language } => {
                let Some(chosen) = Lang::parse(&language) else {
                    let message = Sentence::UnsupportedLanguage.text(lang);
                    let code = ErrorCode::UnsupportedLanguage;
                    refused.inc(code);
                    return Some(ServerFrame::Error { code, message, client_id: None, retry_after_ms: None }.encode());
                };
                self.lang = chosen;
                return None;
            }
            ClientFrame::JoinRoom { room_id, since } => presence::join_room(state, participant, room_id, since).await,
            ClientFrame::LeaveRoom { room_id } => presence::leave_room(state, participant, room_id).await,
            ClientFrame::Typing { room_id } => presence::typing(state, participant, room_id),
            ClientFrame::Presence { status } => {
                presence::set_activity(state, participant, status).await;
                Ok(())
            }
            ClientFrame::MarkRead { room_id, message_id } => {
                reads::mark_read(state, participant, room_id, message_id).await
            }
            ClientFrame::SendMessage { room_id, content, client_id, reply_to } => {
                let command = SendMessage { room_id, content, client_id: client_id.clone(), reply_to };
                match messages::send_message(state, participant, command).await {
                    Ok(pending) => {
                        self.in_flight.push_back(InFlight { room: room_id, client_id, pending });
                        Ok(())
                    }
                    Err(e) => return Some(chat_error(lang, &e, client_id.as_deref(), refused)),
                }
            }
            ClientFrame::EditMessage { message_id, content } => {
                changes::change_message(state, participant, message_id, ChangeRequest::Edit { content }).await
            }
            ClientFrame::DeleteMessage { message_id } => {
                changes::change_message(state, participant, message_id, ChangeRequest::Delete).await
            }
            ClientFrame::AddReaction { message_id, emoji } => {
                changes::change_message(state, participant, message_id, ChangeRequest::AddReaction { emoji }).await
            }
            ClientFrame::RemoveReaction { message_id, emoji } => {
                changes::change_message(state, participant, message_id, ChangeRequest::RemoveReaction { emoji }).await
            }
            ClientFrame::PinMessage { message_id } => {
                changes::change_message(state, participant, message_id, ChangeRequest::Pin(true)).await
            }
            ClientFrame::UnpinMessage { message_id } => {
                changes::change_message(state, participant, message_id, ChangeRequest::Pin(false)).await
            }
            ClientFrame::Unknown => unreachable!("ClientFrame::parse answers unknown types with an error"),
        };
        result.err().map(|e| chat_error(lang, &e, None, refused))
    }

    /// The answer to a binary frame: the protocol is JSON text.
    pub fn binary(&self) -> Frame {
        protocol_error(self.lang, &ProtocolError::Binary, &self.state.metrics.refused)
    }

    /// Whether the connection should wait for a commit before reading on.
    pub fn saturated(&self) -> bool {
        self.in_flight.len() >= MESSAGES_IN_FLIGHT
    }

    /// The oldest message still waiting for its commit.
    pub fn next_commit(&mut self) -> Option<&mut PendingInsert> {
        self.in_flight.front_mut().map(|f| &mut f.pending)
    }

    /// Takes the outcome of the oldest message's commit; returns what its sender must hear.
    pub fn committed(&mut self, result: Result<Inserted, StoreError>) -> Option<Frame> {
        let InFlight { room, client_id, .. } = self.in_flight.pop_front()?;
        if let Some(inserted) = result.as_ref().ok().filter(|i| i.fresh) {
            messages::announce_elsewhere(&self.state, &self.participant, room, &inserted.message);
        }
        match messages::stored(room, result) {
            Ok(None) => None,
            Ok(Some(message)) => Some(ServerFrame::NewMessage { seq: message.seq, message }.encode()),
            Err(e) => Some(chat_error(self.lang, &e, client_id.as_deref(), &self.state.metrics.refused)),
        }
    }

    /// Leaves every room; called once the connection has closed.
    /// The connection is open: its user may have come online.
    pub async fn open(&self) {
        presence::connected(&self.state, &self.participant).await;
    }

    pub async fn close(self) {
        presence::disconnect(&self.state, self.participant).await;
    }
}

/// The `code` an `error` frame gives for a chat refusal.
fn error_code(e: &ChatError) -> ErrorCode {
    match e {
        ChatError::RoomNotFound(_) => ErrorCode::RoomNotFound,
        ChatError::NotJoined(_) => ErrorCode::NotJoined,
        ChatError::NotRoomCreator
        | ChatError::NotSignedIn
        | ChatError::NotAuthor
        | ChatError::CannotDelete
        | ChatError::CannotPin
        | ChatError::WrongPassword => ErrorCode::Forbidden,
        ChatError::MessageNotFound(_) => ErrorCode::MessageNotFound,
        ChatError::InvalidEmoji => ErrorCode::InvalidEmoji,
        ChatError::TooManyReactions => ErrorCode::TooManyReactions,
        ChatError::Blocked => ErrorCode::Blocked,
        ChatError::DefaultRoomUndeletable | ChatError::RoomNameTaken => ErrorCode::Conflict,
        ChatError::InvalidSince { .. } => ErrorCode::InvalidSince,
        ChatError::Invalid(DomainError::MessageEmpty) => ErrorCode::EmptyMessage,
        ChatError::Invalid(DomainError::MessageTooLong) => ErrorCode::MessageTooLong,
        // A malformed client_id is a malformed frame, as it always was.
        ChatError::Invalid(DomainError::ClientIdInvalid) => ErrorCode::InvalidJson,
        // No frame names a user today: these are the frame forms of the API's 404 and 400.
        ChatError::UserNotFound(_)
        | ChatError::DmWithSelf
        | ChatError::CannotBlockSelf
        | ChatError::EmptyProfileChange
        | ChatError::UnknownCity(_)
        | ChatError::NoCity
        | ChatError::Invalid(_)
        | ChatError::NothingToChange
        | ChatError::BadLimit
        | ChatError::BeforeWithAround
        | ChatError::AroundWithCity
        // Cities are chosen and city rooms opened over HTTP; no frame causes these.
        // Avatars are uploaded over HTTP; no frame causes these.
        | ChatError::InvalidImage
        | ChatError::UnsupportedImageType => ErrorCode::InvalidInput,
        ChatError::RateLimited { .. } => ErrorCode::RateLimited,
        ChatError::Unavailable(_) | ChatError::Internal(_) => ErrorCode::ServerError,
    }
}

/// An `error` frame for a chat refusal, in `lang`; `client_id` names the refused message, if it
/// was one. Counted in `refused` by its code.
fn chat_error(lang: Lang, e: &ChatError, client_id: Option<&str>, refused: &RefusedFrames) -> Frame {
    if matches!(e, ChatError::Unavailable(_) | ChatError::Internal(_)) {
        tracing::warn!(error = %e, "WebSocket request failed in storage");
    }
    let message = texts::chat_error(lang, e);
    let retry_after_ms = match e {
        ChatError::RateLimited { retry_after } => {
            Some(u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX).max(1))
        }
        _ => None,
    };
    let code = error_code(e);
    refused.inc(code);
    ServerFrame::Error { code, message, client_id: client_id.map(str::to_owned), retry_after_ms }.encode()
}

fn protocol_error(lang: Lang, e: &ProtocolError, refused: &RefusedFrames) -> Frame {
    let message = texts::protocol_error(lang, e);
    refused.inc(e.code());
    ServerFrame::Error { code: e.code(), message, client_id: None, retry_after_ms: None }.encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_between_two_people_is_an_error_frame_coded_blocked() {
        let frame = chat_error(Lang::En, &ChatError::Blocked, None, &RefusedFrames::default());
        let value: serde_json::Value = serde_json::from_str(frame.as_str()).unwrap();
        assert_eq!(value["code"], "blocked");
        assert_eq!(value["message"], "This user has limited contact with you");
    }
}
