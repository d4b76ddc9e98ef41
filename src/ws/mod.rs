//! WebSocket connections: [`connection`] owns one socket's transport (read and write loops,
//! pings, close codes, the lingering close) and [`dispatch`] turns each client frame into a
//! chat operation and the reply, if any.

pub mod connection;
pub mod dispatch;

pub use connection::{serve_upgraded, socket_config, MAX_FRAME_BYTES};
