//! One drill client, behaving as the README asks of a real one: it sends with a unique
//! `client_id` and counts a message as acknowledged only when its stored copy comes back; it keeps
//! the seq of the last logged event it applied per room; and when its socket drops it reconnects
//! through the load balancer, joins every room again with `since` = that seq, and resends whatever
//! was not acknowledged with the same `client_id`. Every logged frame is checked on arrival (the
//! next seq of its room, or else a duplicate or a gap) and kept for the final audit.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Violations described per client; the rest are only counted.
const SHOWN_VIOLATIONS: usize = 5;

/// The response header the load balancer adds to name the instance a connection landed on.
pub const BACKEND_HEADER: &str = "x-discock-backend";

/// What the drill wants of the clients.
#[derive(Clone, Debug)]
pub enum Mode {
    /// Connected and joined, sending nothing yet.
    Idle,
    /// Send one message per tick, to the client's rooms in turn.
    Send,
    /// Send nothing new; get what is in flight acknowledged.
    Drain,
    /// Finish once every room has reached this seq (by room id), then close.
    Settle(Arc<HashMap<i64, i64>>),
    /// Close now.
    Stop,
}

/// Counters the drill reads while the clients run.
#[derive(Default)]
pub struct Shared {
    /// Clients whose first connection has joined all their rooms.
    pub ready: AtomicUsize,
    /// Clients that reached the settle targets.
    pub settled: AtomicUsize,
    /// Messages sent and not acknowledged yet, over all clients.
    pub in_flight: AtomicU64,
}

/// How one client reaches the server and what it does there.
pub struct Setup {
    pub index: usize,
    /// The load balancer, `host:port`.
    pub lb: String,
    pub session: String,
    pub user_id: i64,
    pub rooms: Vec<i64>,
    /// Time between two messages of this client.
    pub every: Duration,
    /// Before the first reconnect attempt, a random wait up to this (spreads the herd).
    pub jitter: Duration,
}

/// An acknowledged message.
#[derive(Clone, Debug)]
pub struct Acked {
    pub client_id: String,
    pub room: i64,
    pub message_id: i64,
    pub seq: i64,
}

/// One lost socket and how the client came back from it.
#[derive(Clone, Debug)]
pub struct Failover {
    /// The instance the dropped socket was on, and the one it reconnected to.
    pub from: String,
    pub to: String,
    /// Upgrades tried until one succeeded (1 = the first).
    pub attempts: u32,
    /// Messages in flight (sent, unacknowledged) when the socket dropped.
    pub in_flight: usize,
    /// From the drop to the completed upgrade, to the first frame answering the joins with
    /// `since`, and to the first acknowledgement on the new connection.
    pub upgraded: Duration,
    pub resumed: Option<Duration>,
    pub first_ack: Option<Duration>,
}

/// What a client leaves behind for the audit.
#[derive(Default)]
pub struct Outcome {
    pub index: usize,
    pub user_id: i64,
    pub rooms: Vec<i64>,
    /// The instance its first connection landed on.
    pub first_backend: String,
    pub sent: u64,
    /// Sends of a message already sent, after a reconnect (or a `server_error`).
    pub resent: u64,
    /// Resends the server answered from the store: the message had been committed already
    /// (by the dead instance), the answer repeats its seq to the sender alone.
    pub answered_from_store: u64,
    pub acked: Vec<Acked>,
    /// `client_id`s still unacknowledged when the client stopped.
    pub pending: Vec<String>,
    /// Per room, the `(seq, message id)` of every logged frame applied, in arrival order.
    pub deliveries: HashMap<i64, Vec<(i64, i64)>>,
    /// Logged frames whose seq was not above the last one applied (resend answers aside).
    pub duplicates: u64,
    /// Seqs skipped: a logged frame came with a seq beyond the next one.
    pub skipped: u64,
    pub failovers: Vec<Failover>,
    /// Upgrades that failed (refused, timed out, 503 from the balancer).
    pub failed_attempts: u32,
    /// Everything that went wrong; the first few described in `violations`.
    pub violation_count: u64,
    pub violations: Vec<String>,
}

/// A sent, not yet acknowledged message.
struct Pending {
    client_id: String,
    room: i64,
    content: String,
}

/// A failover being timed: set on the drop, finished on the new connection.
struct Timing {
    dropped: Instant,
    record: usize,
}

pub struct Client {
    setup: Setup,
    shared: Arc<Shared>,
    mode: watch::Receiver<Mode>,
    next: u64,
    /// By message number, so resends go out in the original order.
    pending: BTreeMap<u64, Pending>,
    /// Message number by `client_id`.
    numbers: HashMap<String, u64>,
    /// Per room, the seq of the last logged event applied (the rooms are new: 0 at first).
    last_seq: HashMap<i64, i64>,
    /// `client_id`s resent on the current connection.
    resent_here: HashSet<String>,
    rng: u64,
    out: Outcome,
}

/// Why a connection ended.
enum End {
    Dropped(Instant),
    Finished,
}

impl Client {
    pub fn new(setup: Setup, shared: Arc<Shared>, mode: watch::Receiver<Mode>) -> Client {
        let out =
            Outcome { index: setup.index, user_id: setup.user_id, rooms: setup.rooms.clone(), ..Outcome::default() };
        let last_seq = setup.rooms.iter().map(|&room| (room, 0)).collect();
        let rng = 0x9E37_79B9_7F4A_7C15 ^ (setup.index as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        Client {
            setup,
            shared,
            mode,
            next: 0,
            pending: BTreeMap::new(),
            numbers: HashMap::new(),
            last_seq,
            resent_here: HashSet::new(),
            rng,
            out,
        }
    }

    /// Connects, then reconnects after every drop, until the drill is over.
    pub async fn run(mut self) -> Outcome {
        let mut timing = None;
        let mut attempts = 0;
        let mut backoff = Duration::from_millis(100);
        loop {
            if matches!(*self.mode.borrow(), Mode::Stop) {
                break;
            }
            attempts += 1;
            let Ok((ws, backend)) = self.connect().await else {
                self.out.failed_attempts += 1;
                // The web UI's rule: double the wait after each failure, a random 50–100 % of it.
                let wait = backoff.mul_f64(0.5 + self.random() * 0.5);
                backoff = (backoff * 2).min(Duration::from_secs(2));
                tokio::time::sleep(wait).await;
                continue;
            };
            if self.out.first_backend.is_empty() {
                self.out.first_backend = backend.clone();
            }
            if let Some(Timing { dropped, record }) = &mut timing {
                let failover = &mut self.out.failovers[*record];
                failover.to = backend.clone();
                failover.attempts = attempts;
                failover.upgraded = dropped.elapsed();
            }
            attempts = 0;
            backoff = Duration::from_millis(100);
            match self.session(ws, &backend, timing.take()).await {
                End::Finished => break,
                End::Dropped(at) => {
                    self.out.failovers.push(Failover {
                        from: backend,
                        to: String::new(),
                        attempts: 0,
                        in_flight: self.pending.len(),
                        upgraded: Duration::ZERO,
                        resumed: None,
                        first_ack: None,
                    });
                    timing = Some(Timing { dropped: at, record: self.out.failovers.len() - 1 });
                    let jitter = self.setup.jitter.mul_f64(self.random());
                    tokio::time::sleep(jitter).await;
                }
            }
        }
        self.out.pending = self.pending.into_values().map(|p| p.client_id).collect();
        self.out
    }

    /// A uniform number in [0, 1) (SplitMix64).
    fn random(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One WebSocket upgrade through the balancer; the instance it landed on.
    async fn connect(&self) -> Result<(Ws, String), String> {
        let lb = &self.setup.lb;
        let mut request = format!("ws://{lb}/ws").into_client_request().map_err(|e| e.to_string())?;
        let headers = request.headers_mut();
        let cookie = format!("discock_session={}", self.setup.session);
        headers.insert("cookie", HeaderValue::from_str(&cookie).map_err(|e| e.to_string())?);
        headers.insert("origin", HeaderValue::from_str(&format!("http://{lb}")).map_err(|e| e.to_string())?);
        let connect = tokio_tungstenite::connect_async(request);
        match tokio::time::timeout(Duration::from_secs(5), connect).await {
            Ok(Ok((ws, response))) => {
                let backend = response.headers().get(BACKEND_HEADER).and_then(|v| v.to_str().ok());
                Ok((ws, backend.unwrap_or("?").to_owned()))
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("upgrade timed out".into()),
        }
    }

    /// One connection: join every room with `since`, resend what is pending, then send on every
    /// tick and read until the socket drops or the drill says the client is done.
    async fn session(&mut self, mut ws: Ws, backend: &str, mut timing: Option<Timing>) -> End {
        self.resent_here.clear();
        for &room in &self.setup.rooms {
            let join = json!({ "type": "join_room", "room_id": room, "since": self.last_seq[&room] });
            if ws.send(Message::text(join.to_string())).await.is_err() {
                return End::Dropped(Instant::now());
            }
        }
        // The server handles a connection's frames in order, so these reach the rooms joined.
        let to_resend: Vec<u64> = self.pending.keys().copied().collect();
        for n in to_resend {
            self.out.resent += 1;
            self.resent_here.insert(self.pending[&n].client_id.clone());
            if self.send(&mut ws, n).await.is_err() {
                return End::Dropped(Instant::now());
            }
        }
        let mut joined = HashSet::new();
        let mut ticks = tokio::time::interval_at(Instant::now() + self.phase(), self.setup.every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            if self.settled() {
                let _ = ws.close(None).await;
                return End::Finished;
            }
            let frame = tokio::select! {
                frame = tokio::time::timeout(Duration::from_secs(30), ws.next()) => frame,
                _ = ticks.tick() => {
                    let sending = matches!(*self.mode.borrow(), Mode::Send);
                    if sending && self.send_new(&mut ws).await.is_err() {
                        return End::Dropped(Instant::now());
                    }
                    continue;
                }
                changed = self.mode.changed() => {
                    if changed.is_err() || matches!(*self.mode.borrow(), Mode::Stop) {
                        let _ = ws.close(None).await;
                        return End::Finished;
                    }
                    continue;
                }
            };
            let text = match frame {
                Ok(Some(Ok(Message::Text(text)))) => text,
                Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_)) | None) => return End::Dropped(Instant::now()),
                Ok(Some(Ok(_))) => continue,
                Err(_) => {
                    self.violation(format!("silent for 30 s on {backend}"));
                    return End::Dropped(Instant::now());
                }
            };
            let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else {
                self.violation(format!("a frame that is not JSON: {text}"));
                continue;
            };
            let kind = frame["type"].as_str().unwrap_or_default();
            if kind != "connected" {
                if let Some(t) = &timing {
                    self.out.failovers[t.record].resumed.get_or_insert(t.dropped.elapsed());
                }
            }
            match kind {
                "room_users_list" => {
                    let newly = joined.insert(frame["room_id"].as_i64().unwrap_or_default());
                    let first_connection = self.out.failovers.is_empty();
                    if newly && first_connection && joined.len() == self.setup.rooms.len() {
                        self.shared.ready.fetch_add(1, Relaxed);
                    }
                }
                "new_message" if self.new_message(&frame) => {
                    if let Some(t) = timing.take() {
                        self.out.failovers[t.record].first_ack = Some(t.dropped.elapsed());
                    }
                }
                "error" if self.refused(&mut ws, &frame).await.is_err() => return End::Dropped(Instant::now()),
                "resync_required" | "message_updated" | "message_deleted" | "reaction_added" | "reaction_removed"
                | "room_updated" => self.violation(format!("unexpected frame {frame}")),
                _ => {}
            }
        }
    }

    /// Where in the period this client's ticks fall: clients spread evenly over it.
    fn phase(&self) -> Duration {
        self.setup.every.mul_f64((self.setup.index % 97) as f64 / 97.0)
    }

    /// Whether the drill is settling and every room has reached its final seq.
    fn settled(&self) -> bool {
        let mode = self.mode.borrow();
        let Mode::Settle(targets) = &*mode else { return false };
        let done = self.pending.is_empty()
            && self.setup.rooms.iter().all(|room| self.last_seq[room] >= targets.get(room).copied().unwrap_or(0));
        if done {
            self.shared.settled.fetch_add(1, Relaxed);
        }
        done
    }

    /// A new message, to the client's rooms in turn.
    async fn send_new(&mut self, ws: &mut Ws) -> Result<(), ()> {
        let n = self.next;
        self.next += 1;
        let client_id = format!("d{}-{n}", self.setup.index);
        let room = self.setup.rooms[n as usize % self.setup.rooms.len()];
        let content = format!("failover drill · client {} · message {n}", self.setup.index);
        self.numbers.insert(client_id.clone(), n);
        self.pending.insert(n, Pending { client_id, room, content });
        self.shared.in_flight.fetch_add(1, Relaxed);
        self.out.sent += 1;
        self.send(ws, n).await
    }

    async fn send(&self, ws: &mut Ws, n: u64) -> Result<(), ()> {
        let pending = &self.pending[&n];
        let frame = json!({
            "type": "send_message",
            "room_id": pending.room,
            "content": pending.content,
            "client_id": pending.client_id,
        });
        ws.send(Message::text(frame.to_string())).await.map_err(drop)
    }

    /// An `error` frame: a `server_error` refusing one of our sends is retried with the same
    /// client_id; anything else is a violation.
    async fn refused(&mut self, ws: &mut Ws, frame: &Value) -> Result<(), ()> {
        let retry = frame["client_id"].as_str().and_then(|id| self.numbers.get(id).copied());
        match retry {
            Some(n) if frame["code"] == "server_error" && self.pending.contains_key(&n) => {
                self.out.resent += 1;
                self.send(ws, n).await
            }
            _ => {
                self.violation(format!("error frame {frame}"));
                Ok(())
            }
        }
    }

    /// A `new_message`: checked against the room's last seq, then, when it is ours, taken as the
    /// acknowledgement. True when it acknowledged something.
    fn new_message(&mut self, frame: &Value) -> bool {
        let message = &frame["message"];
        let (Some(room), Some(id), Some(seq)) =
            (message["room_id"].as_i64(), message["id"].as_i64(), frame["seq"].as_i64())
        else {
            self.violation(format!("new_message without room, id or seq: {frame}"));
            return false;
        };
        let Some(&last) = self.last_seq.get(&room) else {
            self.violation(format!("new_message of room {room}, which this client never joined"));
            return false;
        };
        let client_id = message["client_id"].as_str().unwrap_or_default();
        let ours = message["user"]["id"].as_i64() == Some(self.setup.user_id);
        if seq > last {
            if seq > last + 1 {
                self.out.skipped += (seq - last - 1) as u64;
                self.violation(format!("room {room}: seq {seq} came after {last}"));
            }
            self.last_seq.insert(room, seq);
            self.out.deliveries.entry(room).or_default().push((seq, id));
        } else if ours && self.resent_here.contains(client_id) {
            // The answer to a resend of a message already stored: the sender alone gets it again.
            self.out.answered_from_store += 1;
        } else {
            self.out.duplicates += 1;
            self.violation(format!("room {room}: seq {seq} again (last applied {last})"));
        }
        if !ours {
            return false;
        }
        let Some(&n) = self.numbers.get(client_id) else {
            self.violation(format!("our message {id} came back with an unknown client_id {client_id:?}"));
            return false;
        };
        match self.pending.remove(&n) {
            Some(pending) => {
                self.shared.in_flight.fetch_sub(1, Relaxed);
                if message["content"].as_str() != Some(pending.content.as_str()) || room != pending.room {
                    self.violation(format!("{client_id} was acknowledged as {message}, sent {:?}", pending.content));
                }
                self.out.acked.push(Acked { client_id: pending.client_id, room, message_id: id, seq });
                true
            }
            None => {
                // Acknowledged again (a resend answered from the store): the same stored message.
                match self.out.acked.iter().find(|a| a.client_id == client_id) {
                    Some(first) if first.message_id == id && first.seq == seq => {}
                    _ => self.violation(format!("{client_id} acknowledged again as message {id} (seq {seq})")),
                }
                false
            }
        }
    }

    fn violation(&mut self, text: String) {
        self.out.violation_count += 1;
        if self.out.violations.len() < SHOWN_VIOLATIONS {
            self.out.violations.push(format!("client {}: {text}", self.setup.index));
        }
    }
}
