//! Log output: the subscriber (`LOG_FORMAT` text or JSON lines, the `RUST_LOG` filter, and the
//! caps on the dependencies that would print secrets), the span every HTTP request and every
//! WebSocket runs in, and noting in it who is signed in.
//!
//! What is never logged, at any level of Discock's own targets: passwords, session tokens,
//! CSRF tokens, `Authorization` headers, database and Redis passwords, and what people write
//! (messages, direct messages, search queries). Spans carry only ids, the method and the path
//! (never the query string, where search terms travel).

use std::time::Instant;

use tracing::field::Empty;
use tracing::Span;
use tracing_subscriber::filter::{EnvFilter, FilterExt, LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use crate::config::LogFormat;
use crate::domain::UserId;

/// The request header a client (or a proxy in front) may name its request with, and the
/// response header that names it back.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Longest incoming request id taken as it is; a longer one is replaced by a new id.
const MAX_REQUEST_ID: usize = 64;

/// Dependencies whose lines at some level carry what must not be logged, and the most verbose
/// level let through for each, whatever `RUST_LOG` says:
/// - `tokio_postgres` at debug prints every statement's parameters (message texts, search
///   words, password hashes);
/// - warp's query filter at debug prints a query string it could not decode (search words);
/// - tungstenite at trace prints every frame, payload included.
const CAPS: [(&str, LevelFilter); 4] = [
    ("tokio_postgres", LevelFilter::INFO),
    ("warp::filters::query", LevelFilter::INFO),
    ("tungstenite", LevelFilter::DEBUG),
    ("tokio_tungstenite", LevelFilter::DEBUG),
];

/// Where log lines go: the server's to stdout; a one-off command's to stderr, so its stdout
/// holds only its own output (a table, a generated password).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Stdout,
    Stderr,
}

/// Installs the process's subscriber: lines on `output` in `format`, filtered by `RUST_LOG`
/// (default `info`) and by [`CAPS`]. Records of the `log` crate (used by some dependencies)
/// pass through the same filter.
pub fn init(format: LogFormat, output: Output) {
    let env = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let caps = CAPS.iter().fold(Targets::new().with_default(LevelFilter::TRACE), |targets, (target, level)| {
        targets.with_target(*target, *level)
    });
    let writer = move || -> Box<dyn std::io::Write> {
        match output {
            Output::Stdout => Box::new(std::io::stdout()),
            Output::Stderr => Box::new(std::io::stderr()),
        }
    };
    let layer = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer().with_writer(writer).boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .boxed(),
    };
    tracing_subscriber::registry().with(layer.with_filter(env.and(caps))).init();
}

/// The id of a request: the one it came with in `X-Request-Id` when that is 1–64 visible ASCII
/// characters (so a proxy's id follows the request through), else a new UUID v4.
pub fn request_id(incoming: Option<&[u8]>) -> String {
    match incoming {
        Some(id) if (1..=MAX_REQUEST_ID).contains(&id.len()) && id.iter().all(u8::is_ascii_graphic) => {
            String::from_utf8_lossy(id).into_owned()
        }
        _ => uuid::Uuid::new_v4().to_string(),
    }
}

/// The span one HTTP request is served in: its id, method and path (never the query string).
/// `user_id` is filled in once the session is known ([`record_user`]).
pub fn request_span(id: &str, method: &str, path: &str) -> Span {
    tracing::info_span!("request", request_id = %id, method = %method, path = %path, user_id = Empty)
}

/// The line that ends every request, in its span: the status and how long the answer took.
pub fn request_finished(status: u16, started: Instant) {
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(status, duration_ms = (duration_ms * 1000.0).round() / 1000.0, "request finished");
}

/// The span one WebSocket connection lives in (a child of its upgrade request's span):
/// whose it is, and its connection id once the hub has given it one ([`record_connection`]).
/// Entered on each poll of the connection's task; nothing is created per frame.
pub fn connection_span(user: UserId) -> Span {
    tracing::info_span!("ws", user_id = user.0, conn = Empty)
}

/// Notes in the current span (a request's or a connection's) who is signed in.
pub fn record_user(user: UserId) {
    Span::current().record("user_id", user.0);
}

/// Notes in the current connection's span the id the hub gave it.
pub fn record_connection(conn: u64) {
    Span::current().record("conn", conn);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_incoming_request_id_is_kept_and_anything_else_replaced() {
        assert_eq!(request_id(Some(b"edge-42.abc")), "edge-42.abc");
        let long = [b'a'; 64];
        assert_eq!(request_id(Some(&long)), "a".repeat(64));
        for bad in [&b""[..], &[b'a'; 65][..], b"has space", b"tab\there", "кириллица".as_bytes(), b"nl\n"] {
            let id = request_id(Some(bad));
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{bad:?} gave {id}");
        }
        assert_ne!(request_id(None), request_id(None));
    }
}
