//! One WebSocket connection's transport: the upgrade with small buffers, the read loop that
//! hands client frames to the dispatcher and sends its replies, the writer that drains the
//! bounded outbox, heartbeats, the session check at every ping, close codes, and cleanup
//! (leaving every room) however the connection ends.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::error::ProtocolError as WsProtocolError;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame as WsFrame;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Bytes, Message as WsMessage, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use super::dispatch::Dispatcher;
use crate::auth::Accounts;
use crate::domain::{Account, User};
use crate::i18n::Lang;
use crate::limits::ConnectionSlot;
use crate::protocol::Frame;
use crate::state::AppState;
use crate::store::{Inserted, StoreError};
use crate::texts::CloseReason;

/// Largest text frame a client may send.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Frames queued for one connection before it counts as lagging and is closed. Four times the
/// writer's largest commit (`store::MAX_BATCH`): a busy room can commit two full batches while
/// the connection's task waits for the one CPU the writer also runs on, and a connection that
/// keeps up must not be closed for that; tokio allocates the queue in blocks as it fills, so an
/// idle connection does not pay for the capacity.
const OUTBOX_FRAMES: usize = 4 * crate::store::MAX_BATCH;
/// A connection that sends nothing (not even a pong) for this long is dead.
const IDLE_TIMEOUT: Duration = Duration::from_secs(75);
/// Close code sent to a connection that could not keep up; it should reconnect and resync.
const CLOSE_LAGGED: u16 = 4008;
/// Close code sent to a connection whose session ended (logged out, replaced by a new login in
/// the same browser, ended from elsewhere, expired): it should sign in again, not reconnect.
const CLOSE_SESSION_ENDED: u16 = 4001;

type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// The tungstenite settings for a server connection. The 2 KiB read buffer (instead of the
/// default 128 KiB, which `warp::ws` cannot change) holds several client frames (they are a
/// few hundred bytes) and grows only while a larger one arrives; it was the largest part of an
/// idle connection's memory.
/// Outgoing frames collect in a write buffer of up to 2 KiB and go out in one `write` when the
/// outbox runs dry (see `write_loop`): a busy connection then costs one system call per batch
/// instead of one per frame.
pub fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(2 * 1024)
        .write_buffer_size(WRITE_BATCH_BYTES)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(Some(MAX_FRAME_BYTES))
        .max_frame_size(Some(MAX_FRAME_BYTES))
}

/// Frames are written once this many bytes are buffered, or when the outbox is empty.
/// tungstenite's output buffer keeps the largest size it ever reached for as long as the
/// connection lives, so this bounds every connection's memory: with pieces of at most
/// [`FRAGMENT_BYTES`] it never holds much more than 2 + 1 KiB (at 16 KiB, one member list of a
/// hundred people made it keep 16 KiB or more).
const WRITE_BATCH_BYTES: usize = 2 * 1024;
/// Text messages longer than this go out as WebSocket fragments of at most this size
/// (RFC 6455 §5.4; browsers and WebSocket libraries reassemble them). tungstenite encodes a
/// whole frame into its output buffer and never shrinks that buffer, so without this one large
/// message, such as the member list of a room with thousands of people, would stay allocated
/// in its connection for as long as the connection lives.
const FRAGMENT_BYTES: usize = 1024;

/// Wraps an upgraded HTTP connection, opened by `user` with `session` (its stored hash), and
/// serves it, speaking `lang` to it, until it ends; the user's slot among their open sockets is
/// given back then.
pub async fn serve_upgraded(
    upgraded: Upgraded,
    state: AppState,
    account: Account,
    lang: Lang,
    session: String,
    slot: ConnectionSlot,
) {
    // The connection's own user sees their city in full; the hub shows them as others see them.
    let hello = Dispatcher::hello(&account.own_user());
    let user = account.user;
    let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(socket_config())).await;
    serve(socket, state, user, hello, lang, session).await;
    drop(slot);
}

/// How a connection ended, which decides the close frame it gets.
enum End {
    /// The client closed or the transport failed: nothing more to say.
    Gone,
    TooBig,
    /// A text frame that is not UTF-8 (RFC 6455 §8.1 says fail with 1007).
    NotUtf8,
    /// Any other break of the WebSocket protocol: an unmasked frame, reserved bits, an unknown
    /// opcode, a continuation out of place, a fragmented or oversized control frame (1002).
    BrokeProtocol,
    Idle,
    Lagged,
    SessionEnded,
    ShuttingDown,
}

/// What the read loop waits for. Lives on the stack for one turn of the loop, so the stored
/// message stays inline rather than costing an allocation per commit.
#[allow(clippy::large_enum_variant)]
enum Event {
    Frame(Option<Result<WsMessage, tungstenite::Error>>),
    Stored(Result<Inserted, StoreError>),
    Idle,
}

async fn serve(socket: Socket, state: AppState, user: User, hello: Frame, lang: Lang, session: String) {
    let (outbox, mut frames) = mpsc::channel::<Frame>(OUTBOX_FRAMES);
    // `connected` goes first: once the hub knows the connection, news for everyone connected
    // (`user_updated`, `room_created`, …) reaches its outbox, and it must not come before.
    let _ = outbox.send(hello).await;
    let member = state.fanout.hub().connect(user, session, outbox.clone());
    crate::logging::record_connection(member.id);
    tracing::debug!("connected");
    // Before the first frame is read, so before the connection can join a room and hear typing.
    // The steps before and after the loops are boxed: a future awaited inline is part of this
    // task's state for as long as the connection lives, and these (database and Redis calls)
    // are larger than everything else it holds.
    Box::pin(crate::chat::blocks::load_for_connection(&state, &member)).await;
    let mut shutdown = state.shutdown.clone();
    let (accounts, ping_every) = (state.accounts.clone(), state.config.ws_ping_every);
    let mut dispatch = Dispatcher::new(state, member.clone(), lang);
    Box::pin(dispatch.open()).await;

    let (mut sink, mut stream) = socket.split();
    let end = tokio::select! {
        end = read_loop(&mut dispatch, &outbox, &mut stream) => end,
        () = write_loop(&mut sink, &mut frames, ping_every) => End::Gone,
        () = member.kicked() => End::Lagged,
        () = member.session_ended() => End::SessionEnded,
        () = session_gone(&accounts, &member.session, ping_every) => End::SessionEnded,
        _ = shutdown.wait_for(|stop| *stop) => End::ShuttingDown,
    };
    let close = match end {
        End::Gone => None,
        End::TooBig => Some((CloseCode::Size, CloseReason::TooBig)),
        End::NotUtf8 => Some((CloseCode::Invalid, CloseReason::NotUtf8)),
        End::BrokeProtocol => Some((CloseCode::Protocol, CloseReason::Protocol)),
        End::Idle => Some((CloseCode::Away, CloseReason::Idle)),
        End::Lagged => Some((CloseCode::from(CLOSE_LAGGED), CloseReason::Lagged)),
        End::SessionEnded => Some((CloseCode::from(CLOSE_SESSION_ENDED), CloseReason::SessionEnded)),
        End::ShuttingDown => Some((CloseCode::Away, CloseReason::ShuttingDown)),
    };
    if let Some((code, reason)) = close {
        let frame = CloseFrame { code, reason: reason.text(dispatch.lang()).into() };
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(WsMessage::Close(Some(frame)))).await;
        // Input may still be arriving: the rest of a refused frame (an oversized one, say), or
        // the client's pongs and frames sent before it read our close. Closing a socket with
        // unread input makes the kernel send a reset, which can destroy our close frame (and
        // its code, such as 4001) before the client reads it; so read and discard what comes
        // until the client closes, for a moment at most (a lingering close).
        if let Ok(socket) = sink.reunite(stream) {
            linger(socket.into_inner()).await;
        }
    }
    Box::pin(dispatch.close()).await;
    tracing::debug!("disconnected");
}

/// Reads frames until the client goes away. Frames are handled in order; a `send_message`
/// is answered once its commit is reported, while the frames after it are already read.
async fn read_loop(
    dispatch: &mut Dispatcher,
    outbox: &mpsc::Sender<Frame>,
    stream: &mut futures_util::stream::SplitStream<Socket>,
) -> End {
    loop {
        let saturated = dispatch.saturated();
        let event = match dispatch.next_commit() {
            Some(pending) if saturated => Event::Stored(pending.await),
            Some(pending) => tokio::select! {
                biased;
                stored = pending => Event::Stored(stored),
                next = tokio::time::timeout(IDLE_TIMEOUT, stream.next()) => next.map_or(Event::Idle, Event::Frame),
            },
            None => tokio::time::timeout(IDLE_TIMEOUT, stream.next()).await.map_or(Event::Idle, Event::Frame),
        };
        let reply = match event {
            Event::Stored(result) => dispatch.committed(result),
            Event::Idle => return End::Idle,
            Event::Frame(None) => return End::Gone,
            // Boxed: the dispatcher's state (store calls included) is the largest part of this
            // loop's, and inline it would sit in every idle connection's task.
            Event::Frame(Some(Ok(WsMessage::Text(text)))) => Box::pin(dispatch.text(text.as_str())).await,
            Event::Frame(Some(Ok(WsMessage::Binary(_)))) => Some(dispatch.binary()),
            Event::Frame(Some(Ok(WsMessage::Close(_)))) => return End::Gone,
            Event::Frame(Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_)))) => None,
            Event::Frame(Some(Err(tungstenite::Error::Capacity(_)))) => return End::TooBig,
            // tungstenite's detail is the offending bytes of what the person wrote: not logged.
            Event::Frame(Some(Err(tungstenite::Error::Utf8(_)))) => {
                tracing::debug!("text frame is not UTF-8");
                return End::NotUtf8;
            }
            // What tungstenite reports when the TCP connection ends without a close frame: the
            // client is gone, there is nobody to tell.
            Event::Frame(Some(Err(tungstenite::Error::Protocol(WsProtocolError::ResetWithoutClosingHandshake)))) => {
                return End::Gone
            }
            Event::Frame(Some(Err(tungstenite::Error::Protocol(e)))) => {
                tracing::debug!(error = %e, "WebSocket protocol violation");
                return End::BrokeProtocol;
            }
            Event::Frame(Some(Err(e))) => {
                tracing::debug!(error = %e, "read failed");
                return End::Gone;
            }
        };
        if let Some(reply) = reply {
            // Replies wait for room in the outbox; only live delivery is dropped when it is full.
            let _ = outbox.send(reply).await;
        }
    }
}

/// Resolves once the connection's session is no longer live (expired, or deleted while this
/// instance did not hear of it): checked right after connecting — a logout may have come
/// between the upgrade's own check and the hub knowing this connection — and then at every
/// ping. The check goes through the accounts service to the store on the blocking pool; a
/// store that cannot answer keeps the connection open until it can.
async fn session_gone(accounts: &Accounts, session: &str, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Boxed: the check's state would otherwise sit in every idle connection's task.
        match Box::pin(accounts.session_live(session)).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => tracing::debug!(error = %e, "could not check a connection's session"),
        }
    }
}

/// Discards input for up to a second or 1 MiB, until the peer closes. The buffer is on the
/// heap: a local array would live inside every connection's task for its whole life (async
/// state is sized for the largest await), 8 KiB each on an idle connection.
async fn linger(mut io: TokioIo<Upgraded>) {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 8192];
    let mut left: usize = 1024 * 1024;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while left > 0 {
            match io.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    })
    .await;
}

/// Drains the outbox into the socket and pings on a timer. Everything already queued is fed
/// into the write buffer before one flush, so a burst of frames leaves in few writes while a
/// lone frame still goes out at once. Returns when the socket fails.
async fn write_loop(
    sink: &mut futures_util::stream::SplitSink<Socket, WsMessage>,
    frames: &mut mpsc::Receiver<Frame>,
    ping_every: Duration,
) {
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    loop {
        let sent = tokio::select! {
            frame = frames.recv() => match frame {
                Some(frame) => write_batch(sink, frame, frames).await,
                None => return,
            },
            _ = ping.tick() => sink.send(WsMessage::Ping(Default::default())).await,
        };
        if sent.is_err() {
            return;
        }
    }
}

/// Feeds `first` and whatever else is queued right now, then flushes.
async fn write_batch(
    sink: &mut futures_util::stream::SplitSink<Socket, WsMessage>,
    first: Frame,
    frames: &mut mpsc::Receiver<Frame>,
) -> Result<(), tungstenite::Error> {
    feed(sink, first).await?;
    while let Ok(frame) = frames.try_recv() {
        feed(sink, frame).await?;
    }
    sink.flush().await
}

async fn feed(
    sink: &mut futures_util::stream::SplitSink<Socket, WsMessage>,
    frame: Frame,
) -> Result<(), tungstenite::Error> {
    for piece in pieces(frame.into_text(), FRAGMENT_BYTES) {
        sink.feed(piece).await?;
    }
    Ok(())
}

/// One text message as WebSocket messages to write: itself if it is at most `max` bytes, else
/// a text frame and continuation frames of at most `max` bytes each, cut at character
/// boundaries (so every piece is valid UTF-8 on its own), the last one final. Lazy, so the
/// common case (one small message) costs no allocation on the delivery path.
fn pieces(text: Utf8Bytes, max: usize) -> impl Iterator<Item = WsMessage> {
    // A character is at most 4 bytes: a smaller limit could not always make progress.
    let max = max.max(4);
    let mut rest = Some(text);
    let mut start = 0;
    std::iter::from_fn(move || {
        let text = rest.as_ref()?;
        let len = text.len();
        if len <= max {
            return rest.take().map(WsMessage::Text);
        }
        let mut end = (start + max).min(len);
        while !text.as_str().is_char_boundary(end) {
            end -= 1;
        }
        let opcode = if start == 0 { Data::Text } else { Data::Continue };
        let payload = Bytes::from(text.clone()).slice(start..end);
        let last = end == len;
        if last {
            rest = None;
        }
        start = end;
        Some(WsMessage::Frame(WsFrame::message(payload, OpCode::Data(opcode), last)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (opcode, final, payload) of each piece.
    fn described(pieces: impl Iterator<Item = WsMessage>) -> Vec<(Option<Data>, bool, String)> {
        pieces
            .map(|m| match m {
                WsMessage::Text(t) => (None, true, t.as_str().to_owned()),
                WsMessage::Frame(f) => {
                    let (opcode, last) = (f.header().opcode, f.header().is_final);
                    let data = match opcode {
                        OpCode::Data(d) => Some(d),
                        other => panic!("unexpected opcode {other:?}"),
                    };
                    (data, last, String::from_utf8(f.into_payload().to_vec()).expect("each piece is UTF-8"))
                }
                other => panic!("unexpected message {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_message_within_the_limit_goes_out_whole() {
        let text = "ж".repeat(2048); // exactly 4096 bytes
        assert_eq!(described(pieces(Utf8Bytes::from(text.clone()), 4096)), vec![(None, true, text)]);
    }

    #[test]
    fn a_longer_message_goes_out_as_a_text_frame_and_continuations_cut_between_characters() {
        // 1 + 2×3000 bytes: every 4096-byte cut would fall inside a two-byte character.
        let text = format!("a{}", "ж".repeat(3000));
        let got = described(pieces(Utf8Bytes::from(text.clone()), 4096));

        assert_eq!(got.len(), 2, "{:?}", got.iter().map(|(o, l, p)| (o, l, p.len())).collect::<Vec<_>>());
        assert_eq!((got[0].0, got[0].1), (Some(Data::Text), false));
        assert_eq!((got[1].0, got[1].1), (Some(Data::Continue), true));
        assert!(got.iter().all(|(_, _, p)| p.len() <= 4096));
        assert_eq!(got.iter().map(|(_, _, p)| p.as_str()).collect::<String>(), text);
    }

    #[test]
    fn only_the_last_of_many_pieces_is_final() {
        let text = "😀".repeat(10_000); // 40,000 bytes of four-byte characters
        let got = described(pieces(Utf8Bytes::from(text.clone()), 4096));

        assert_eq!(got.len(), 10);
        assert_eq!(got[0].0, Some(Data::Text));
        assert!(got[1..].iter().all(|(o, _, _)| *o == Some(Data::Continue)));
        assert_eq!(got.iter().filter(|(_, last, _)| *last).count(), 1);
        assert!(got[9].1);
        assert_eq!(got.iter().map(|(_, _, p)| p.as_str()).collect::<String>(), text);
    }
}
