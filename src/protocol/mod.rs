//! The WebSocket protocol: frames a client may send ([`client`]), frames the server sends
//! ([`server`]) and the codes of `error` frames ([`errors`]), all JSON objects tagged by
//! `"type"`; plus [`Frame`], a server frame encoded once and shared by every recipient.

pub mod client;
pub mod errors;
pub mod server;

use tokio_tungstenite::tungstenite::Utf8Bytes;

pub use client::ClientFrame;
pub use errors::{ErrorCode, ProtocolError};
pub use server::{ServerFrame, TypingUser};

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
