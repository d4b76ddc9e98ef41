//! The reference server: the ceiling of room broadcast on this machine. It speaks Discock's
//! WebSocket frames (`join_room`, `leave_room`, `send_message`, `typing`, `ping`) with bare tokio and
//! tokio-tungstenite, but stores nothing and checks no session, so whatever the real server does
//! beyond moving frames shows up as the distance to this one.
//!
//! `discock-ref [--addr 127.0.0.1:8090]`; any path upgrades. It prints `listening on ADDR` once
//! the socket is bound.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Frames queued for one connection before it counts as lagging and is closed (as the server).
const OUTBOX_FRAMES: usize = 1024;
/// Largest frame a client may send (as the server).
const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Close code for a connection that could not keep up (as the server).
const CLOSE_LAGGED: u16 = 4008;

/// One connection as the rooms see it.
struct Conn {
    id: u64,
    outbox: mpsc::Sender<Message>,
    /// Woken when the outbox overflowed; the writer then closes the socket with 4008. Shared with
    /// the writer on its own, so that the writer holds no sender and ends once the last one drops.
    lagged: Arc<Notify>,
}

impl Conn {
    /// Queues a frame without waiting; a full queue marks the connection as lagging.
    fn push(&self, frame: Message) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.outbox.try_send(frame) {
            self.lagged.notify_one();
        }
    }
}

#[derive(Default)]
struct State {
    rooms: Mutex<HashMap<u64, Vec<Arc<Conn>>>>,
    next_message: AtomicU64,
    next_conn: AtomicU64,
}

impl State {
    fn join(&self, room_id: u64, conn: &Arc<Conn>) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let members = rooms.entry(room_id).or_default();
        if !members.iter().any(|m| m.id == conn.id) {
            members.push(conn.clone());
        }
    }

    fn leave(&self, room_id: u64, conn_id: u64) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(members) = rooms.get_mut(&room_id) {
            if let Some(at) = members.iter().position(|m| m.id == conn_id) {
                members.swap_remove(at);
            }
            if members.is_empty() {
                rooms.remove(&room_id);
            }
        }
    }

    /// Hands the one serialized frame to everyone in the room, sender included.
    fn broadcast(&self, room_id: u64, frame: Utf8Bytes) {
        let rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(members) = rooms.get(&room_id) {
            for member in members {
                member.push(Message::Text(frame.clone()));
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientFrame {
    JoinRoom { room_id: u64 },
    LeaveRoom { room_id: u64 },
    SendMessage { room_id: u64, content: String, client_id: Option<String> },
    Typing,
    Ping,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ServerFrame<'a> {
    RoomUsersList { room_id: u64, users: [(); 0] },
    NewMessage { message: OutMessage<'a> },
    Pong,
    Error { code: &'a str, message: &'a str },
}

#[derive(Serialize)]
struct OutMessage<'a> {
    id: u64,
    room_id: u64,
    content: &'a str,
    client_id: Option<&'a str>,
    created_at: String,
    user: OutUser,
}

#[derive(Serialize)]
struct OutUser {
    id: u64,
    username: &'static str,
    city: &'static str,
}

fn encode(frame: &ServerFrame<'_>) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(frame).expect("frames serialize"))
}

/// Now as RFC 3339 in UTC with microseconds, like the server's `created_at`.
fn now_rfc3339() -> String {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since.subsec_micros()
    )
}

fn socket_config() -> WebSocketConfig {
    // A 4 KiB read buffer (the server uses 2 KiB: see `discock::ws::socket_config`). Writes
    // are batched as in the server: the writer feeds everything queued into a 16 KiB buffer and
    // flushes once. In the `small` workload that took about a third less CPU per delivery than
    // unbuffered writes (`write_buffer_size(0)`), at lower p99.
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(Some(MAX_FRAME_BYTES))
        .max_frame_size(Some(MAX_FRAME_BYTES))
}

async fn serve(stream: TcpStream, state: Arc<State>) {
    let _ = stream.set_nodelay(true);
    let Ok(socket) = tokio_tungstenite::accept_async_with_config(stream, Some(socket_config())).await else {
        return;
    };
    let (mut sink, mut source) = socket.split();
    let (outbox, mut queue) = mpsc::channel::<Message>(OUTBOX_FRAMES);
    let lagged = Arc::new(Notify::new());
    let conn = Arc::new(Conn { id: state.next_conn.fetch_add(1, Ordering::Relaxed), outbox, lagged: lagged.clone() });

    let mut writer = tokio::spawn(async move {
        loop {
            tokio::select! {
                frame = queue.recv() => {
                    let Some(frame) = frame else { break };
                    if sink.feed(frame).await.is_err() {
                        return;
                    }
                    while let Ok(frame) = queue.try_recv() {
                        if sink.feed(frame).await.is_err() {
                            return;
                        }
                    }
                    if sink.flush().await.is_err() {
                        return;
                    }
                }
                () = lagged.notified() => {
                    let close = CloseFrame { code: CloseCode::from(CLOSE_LAGGED), reason: "lagged".into() };
                    let _ = sink.send(Message::Close(Some(close))).await;
                    return;
                }
            }
        }
        let _ = sink.close().await;
    });

    let mut joined: Vec<u64> = Vec::new();
    loop {
        let message = tokio::select! {
            message = source.next() => message,
            _ = &mut writer => break,
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            Some(Ok(_)) => continue,
        };
        match serde_json::from_str::<ClientFrame>(&text) {
            Ok(ClientFrame::JoinRoom { room_id }) => {
                if !joined.contains(&room_id) {
                    joined.push(room_id);
                    state.join(room_id, &conn);
                }
                conn.push(Message::Text(encode(&ServerFrame::RoomUsersList { room_id, users: [] })));
            }
            Ok(ClientFrame::LeaveRoom { room_id }) => {
                if let Some(at) = joined.iter().position(|&r| r == room_id) {
                    joined.swap_remove(at);
                    state.leave(room_id, conn.id);
                }
            }
            Ok(ClientFrame::SendMessage { room_id, content, client_id }) => {
                let message = OutMessage {
                    id: state.next_message.fetch_add(1, Ordering::Relaxed) + 1,
                    room_id,
                    content: &content,
                    client_id: client_id.as_deref(),
                    created_at: now_rfc3339(),
                    user: OutUser { id: 0, username: "ref", city: "ref" },
                };
                state.broadcast(room_id, encode(&ServerFrame::NewMessage { message }));
            }
            Ok(ClientFrame::Typing) => {}
            Ok(ClientFrame::Ping) => conn.push(Message::Text(encode(&ServerFrame::Pong))),
            Err(_) => conn
                .push(Message::Text(encode(&ServerFrame::Error { code: "invalid_json", message: "unreadable frame" }))),
        }
    }
    for room_id in joined {
        state.leave(room_id, conn.id);
    }
    // Dropping the last sender ends the writer, which closes the socket.
    drop(conn);
}

fn parse_addr() -> Result<SocketAddr, String> {
    let mut addr: SocketAddr = "127.0.0.1:8090".parse().expect("valid default");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => {
                let value = args.next().ok_or("--addr needs HOST:PORT")?;
                addr = value.parse().map_err(|e| format!("--addr {value}: {e}"))?;
            }
            "-h" | "--help" => {
                println!("usage: discock-ref [--addr HOST:PORT]   (default 127.0.0.1:8090)");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(addr)
}

#[tokio::main]
async fn main() {
    let addr = match parse_addr() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("discock-ref: {e}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("discock-ref: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!("listening on {}", listener.local_addr().map_or(addr, |a| a));
    let state = Arc::new(State::default());
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(serve(stream, state.clone()));
            }
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                eprintln!("discock-ref: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
}
