//! One chat client that keeps talking through crashes, the way a real one should: it sends with
//! a unique `client_id`, counts a message as delivered only when the server sends the stored copy
//! back (`new_message` with that `client_id`), and after losing the connection reconnects, joins
//! again and resends everything not acknowledged yet with the same `client_id`.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the harness wants of the clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Keep `window` messages in flight, reconnecting whenever the server goes away.
    Send,
    /// Send nothing new; get what is in flight acknowledged.
    Drain,
    /// Close and return.
    Stop,
}

/// An acknowledged message, as the server described it.
#[derive(Clone, Debug)]
pub struct Acked {
    pub user_id: i64,
    pub message_id: i64,
    pub seq: i64,
    pub content: String,
    /// When this client first lost the connection with the message unacknowledged (it was then
    /// resent): a stored copy created before this moment was committed by the killed server.
    pub interrupted_at: Option<SystemTime>,
}

/// State the harness reads while the clients run.
#[derive(Default)]
pub struct Shared {
    /// Messages sent and not acknowledged yet, over all clients.
    pub in_flight: AtomicU64,
    pub sent: AtomicU64,
    pub resent: AtomicU64,
    pub acked: AtomicU64,
    /// The first acknowledgement since this instant (the last server start), if any yet.
    pub first_ack: Mutex<(Option<Instant>, Option<Instant>)>,
}

impl Shared {
    /// Starts timing the first acknowledgement after a server start at `start`.
    pub fn restarted(&self, start: Instant) {
        *self.first_ack.lock().expect("not poisoned") = (Some(start), None);
    }

    /// Time from the last server start to the first acknowledgement after it, if one came.
    pub fn first_ack_after_start(&self) -> Option<Duration> {
        let (start, first) = *self.first_ack.lock().expect("not poisoned");
        Some(first?.saturating_duration_since(start?))
    }

    fn note_ack(&self) {
        self.acked.fetch_add(1, Relaxed);
        let mut first = self.first_ack.lock().expect("not poisoned");
        if first.1.is_none() {
            first.1 = Some(Instant::now());
        }
    }
}

/// What a client leaves behind.
#[derive(Default)]
pub struct Outcome {
    /// By `client_id`.
    pub acked: HashMap<String, Acked>,
    /// `client_id`s still unacknowledged when the client stopped.
    pub pending: Vec<String>,
    /// Acknowledgements that contradict what was sent or acknowledged before.
    pub violations: Vec<String>,
}

/// A sent, not yet acknowledged message.
struct Pending {
    client_id: String,
    content: String,
    interrupted_at: Option<SystemTime>,
}

pub struct Client {
    pub index: usize,
    pub addr: SocketAddr,
    pub session: String,
    pub room: i64,
    pub window: usize,
    pub shared: Arc<Shared>,
    pub mode: watch::Receiver<Mode>,
    /// Our user's id, learnt from `connected`.
    user_id: Option<i64>,
    next: u64,
    /// By message number, so resends go out in the original order.
    pending: BTreeMap<u64, Pending>,
    /// Message number by `client_id`.
    numbers: HashMap<String, u64>,
    outcome: Outcome,
}

/// Why a connection ended.
enum End {
    Lost,
    Stopped,
}

impl Client {
    pub fn new(
        index: usize,
        addr: SocketAddr,
        session: String,
        room: i64,
        window: usize,
        shared: Arc<Shared>,
        mode: watch::Receiver<Mode>,
    ) -> Client {
        Client {
            index,
            addr,
            session,
            room,
            window,
            shared,
            mode,
            user_id: None,
            next: 0,
            pending: BTreeMap::new(),
            numbers: HashMap::new(),
            outcome: Outcome::default(),
        }
    }

    /// Connects, sends, reconnects after every loss, until told to stop.
    pub async fn run(mut self) -> Outcome {
        loop {
            if *self.mode.borrow() == Mode::Stop {
                break;
            }
            match self.connect().await {
                Ok(ws) => {
                    if let End::Stopped = self.session(ws).await {
                        break;
                    }
                    let now = SystemTime::now();
                    for pending in self.pending.values_mut() {
                        pending.interrupted_at.get_or_insert(now);
                    }
                }
                // The server is down (killed, not restarted yet): try again shortly.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
        self.outcome.pending = self.pending.into_values().map(|p| p.client_id).collect();
        self.outcome
    }

    async fn connect(&self) -> Result<Ws, String> {
        let mut request = format!("ws://{}/ws", self.addr).into_client_request().map_err(|e| e.to_string())?;
        let headers = request.headers_mut();
        let cookie = format!("discock_session={}", self.session);
        headers.insert("cookie", HeaderValue::from_str(&cookie).map_err(|e| e.to_string())?);
        let origin = format!("http://{}", self.addr);
        headers.insert("origin", HeaderValue::from_str(&origin).map_err(|e| e.to_string())?);
        let connect = tokio_tungstenite::connect_async(request);
        match tokio::time::timeout(Duration::from_secs(5), connect).await {
            Ok(Ok((ws, _))) => Ok(ws),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("connect timed out".into()),
        }
    }

    /// One connection: join, resend what is pending, then keep the window full and read
    /// acknowledgements until the connection is lost or the harness says stop.
    async fn session(&mut self, mut ws: Ws) -> End {
        let join = json!({ "type": "join_room", "room_id": self.room });
        if ws.send(Message::text(join.to_string())).await.is_err() {
            return End::Lost;
        }
        let mut joined = false;
        let to_resend: Vec<u64> = self.pending.keys().copied().collect();
        loop {
            if joined && *self.mode.borrow() == Mode::Send {
                while self.pending.len() < self.window {
                    let n = self.next;
                    self.next += 1;
                    let client_id = format!("k{}-{n}", self.index);
                    let content = format!("crash test · client {} · message {n}", self.index);
                    self.numbers.insert(client_id.clone(), n);
                    self.pending.insert(n, Pending { client_id, content, interrupted_at: None });
                    self.shared.in_flight.fetch_add(1, Relaxed);
                    self.shared.sent.fetch_add(1, Relaxed);
                    if self.send(&mut ws, n).await.is_err() {
                        return End::Lost;
                    }
                }
            }
            let frame = tokio::select! {
                frame = tokio::time::timeout(Duration::from_secs(30), ws.next()) => frame,
                changed = self.mode.changed() => {
                    if changed.is_err() || *self.mode.borrow() == Mode::Stop {
                        let _ = ws.close(None).await;
                        return End::Stopped;
                    }
                    continue;
                }
            };
            let text = match frame {
                Ok(Some(Ok(Message::Text(text)))) => text,
                Ok(Some(Ok(_))) => continue,
                // Closed, broken, or silent for 30 s: start over with a new connection.
                Ok(Some(Err(_)) | None) | Err(_) => return End::Lost,
            };
            let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else {
                self.outcome.violations.push(format!("client {}: a frame that is not JSON: {text}", self.index));
                continue;
            };
            match frame["type"].as_str() {
                Some("connected") => self.user_id = frame["user"]["id"].as_i64(),
                Some("room_users_list") if !joined => {
                    joined = true;
                    // Resend, in order, whatever the last connection left unacknowledged.
                    for &n in &to_resend {
                        if self.pending.contains_key(&n) {
                            self.shared.resent.fetch_add(1, Relaxed);
                            if self.send(&mut ws, n).await.is_err() {
                                return End::Lost;
                            }
                        }
                    }
                }
                Some("new_message") => self.acknowledge(&frame),
                Some("error") => {
                    // A refused send (`server_error`: storage failed) is retried with the same
                    // client_id; any other error is a bug of this client or of the server.
                    let retry = frame["client_id"].as_str().and_then(|id| self.numbers.get(id).copied());
                    match retry {
                        Some(n) if frame["code"] == "server_error" && self.pending.contains_key(&n) => {
                            self.shared.resent.fetch_add(1, Relaxed);
                            if self.send(&mut ws, n).await.is_err() {
                                return End::Lost;
                            }
                        }
                        _ => self.outcome.violations.push(format!("client {}: error frame {frame}", self.index)),
                    }
                }
                _ => {}
            }
        }
    }

    async fn send(&self, ws: &mut Ws, n: u64) -> Result<(), ()> {
        let pending = &self.pending[&n];
        let frame = json!({
            "type": "send_message",
            "room_id": self.room,
            "content": pending.content,
            "client_id": pending.client_id,
        });
        ws.send(Message::text(frame.to_string())).await.map_err(drop)
    }

    /// A `new_message`: ours (by client_id) is an acknowledgement; others' are ignored.
    fn acknowledge(&mut self, frame: &Value) {
        let message = &frame["message"];
        let Some(client_id) = message["client_id"].as_str() else { return };
        let Some(&n) = self.numbers.get(client_id) else { return };
        let user_id = message["user"]["id"].as_i64().unwrap_or(-1);
        let (Some(message_id), Some(seq)) = (message["id"].as_i64(), frame["seq"].as_i64()) else {
            self.outcome.violations.push(format!("client {}: new_message without id or seq: {frame}", self.index));
            return;
        };
        let content = message["content"].as_str().unwrap_or_default().to_owned();
        if Some(user_id) != self.user_id {
            self.outcome
                .violations
                .push(format!("client {}: our client_id {client_id} came back as user {user_id}'s", self.index));
            return;
        }
        match self.pending.remove(&n) {
            Some(pending) => {
                self.shared.in_flight.fetch_sub(1, Relaxed);
                self.shared.note_ack();
                if content != pending.content {
                    self.outcome.violations.push(format!(
                        "client {}: {client_id} was acknowledged with content {content:?}, sent {:?}",
                        self.index, pending.content
                    ));
                }
                let acked = Acked { user_id, message_id, seq, content, interrupted_at: pending.interrupted_at };
                self.outcome.acked.insert(client_id.to_owned(), acked);
            }
            // Acknowledged again (the answer to a resend that crossed the first answer): it must
            // name the same stored message.
            None => match self.outcome.acked.get(client_id) {
                Some(first) if first.message_id == message_id && first.seq == seq => {}
                Some(first) => self.outcome.violations.push(format!(
                    "client {}: {client_id} acknowledged as message {} (seq {}) and again as message {message_id} (seq {seq})",
                    self.index, first.message_id, first.seq
                )),
                None => self.outcome.violations.push(format!("client {}: {client_id} acknowledged but never sent", self.index)),
            },
        }
    }
}
