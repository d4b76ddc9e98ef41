//! The connections: WebSocket handshake and join, one reader task per connection that checks
//! every delivery, and open-loop sender tasks.

use std::collections::HashMap;
use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::stats::Stats;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
pub type WsSink = SplitSink<Ws, Message>;

/// How to log in to the server's WebSocket (which server: the caller says).
pub struct Endpoint {
    /// `Some(session)` for Discock (cookie + Origin), `None` for a plain server.
    pub session: Option<String>,
    /// How long to wait for `room_users_list`; plain targets may never send it.
    pub join_timeout: Duration,
    pub join_reply_required: bool,
}

/// A joined connection, before its reader is started.
pub struct Joined {
    pub sink: WsSink,
    pub stream: SplitStream<Ws>,
}

/// Opens a WebSocket to `addr`, joins `room_id`, and waits for `room_users_list`.
pub async fn connect_and_join(ep: &Endpoint, addr: &str, room_id: i64) -> Result<Joined, String> {
    let url = format!("ws://{addr}/ws");
    let mut req = url.as_str().into_client_request().map_err(|e| format!("{url}: {e}"))?;
    if let Some(session) = &ep.session {
        let h = req.headers_mut();
        h.insert("Cookie", HeaderValue::from_str(&format!("discock_session={session}")).map_err(|e| e.to_string())?);
        h.insert("Origin", HeaderValue::from_str(&format!("http://{addr}")).map_err(|e| e.to_string())?);
    }
    let (ws, _) = tokio_tungstenite::connect_async(req).await.map_err(|e| {
        let text = e.to_string();
        if text.contains("Too many open files") {
            format!(
                "{url}: {text}. Raise the open-file limit for both the bench and the server \
                 (`ulimit -n 65536` in the shell that starts them, or LimitNOFILE in systemd)"
            )
        } else {
            format!("{url}: {text}")
        }
    })?;
    let (mut sink, mut stream) = ws.split();
    let join = serde_json::json!({"type": "join_room", "room_id": room_id}).to_string();
    sink.send(Message::text(join)).await.map_err(|e| format!("join_room: {e}"))?;
    let deadline = Instant::now() + ep.join_timeout;
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) if ep.join_reply_required => return Err(format!("no room_users_list for room {room_id}")),
            Err(_) => break,
            Ok(None) => return Err(format!("connection closed while joining room {room_id}")),
            Ok(Some(Err(e))) => return Err(format!("joining room {room_id}: {e}")),
            Ok(Some(Ok(Message::Text(t)))) => {
                if t.contains("\"room_users_list\"") {
                    break;
                }
                if t.contains("\"type\":\"error\"") {
                    return Err(format!("joining room {room_id}: {t}"));
                }
            }
            Ok(Some(Ok(_))) => {}
        }
    }
    Ok(Joined { sink, stream })
}

/// `b|<sender>|<seq>|<scheduled unix micros>`, found in a `new_message` frame.
pub fn parse_payload(text: &str) -> Option<(u64, u64, u64)> {
    const KEY: &str = "\"content\":\"b|";
    let start = match text.find(KEY) {
        Some(i) => i + KEY.len(),
        // Not compact JSON: fall back to a real parser.
        None => {
            let v: serde_json::Value = serde_json::from_str(text).ok()?;
            let content = v["message"]["content"].as_str()?;
            return parse_fields(content.strip_prefix("b|")?);
        }
    };
    let len = text[start..].find('"')?;
    parse_fields(&text[start..start + len])
}

fn parse_fields(s: &str) -> Option<(u64, u64, u64)> {
    let mut it = s.split('|').map(|f| f.parse::<u64>());
    Some((it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?))
}

/// The `"id"` of the message in a `new_message` frame.
fn message_id(text: &str) -> Option<i64> {
    const KEY: &str = "\"message\":{\"id\":";
    let start = text.find(KEY)? + KEY.len();
    let len = text[start..].find(|c: char| !c.is_ascii_digit())?;
    text[start..start + len].parse().ok()
}

/// Where a sending connection's reader leaves the id of the sender's latest message, for the
/// sender's edits and reactions.
pub struct OwnMessages {
    pub sender: u64,
    pub latest: Arc<AtomicI64>,
}

/// Reads one connection until it closes or the task is aborted, checking per sender that seqs
/// arrive exactly once and in increasing order (a new message or an edit carries the sender's
/// seq, each kind in its own order; a reaction carries none and is only counted).
pub async fn read_loop(
    mut stream: SplitStream<Ws>,
    room: usize,
    conn: usize,
    stats: Arc<Stats>,
    own: Option<OwnMessages>,
    seen: Option<Arc<AtomicI64>>,
) {
    let mut last_seq: HashMap<u64, u64> = HashMap::new();
    let counters = &stats.rooms[room];
    while let Some(frame) = stream.next().await {
        let text = match frame {
            Ok(Message::Text(t)) => t,
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => continue,
        };
        let is_new = text.contains("\"new_message\"");
        if !is_new && !text.contains("\"message_updated\"") {
            if text.contains("\"reaction_added\"") || text.contains("\"reaction_removed\"") {
                counters.received.fetch_add(1, Relaxed);
                stats.record_untimed_delivery(stats.now_us());
            } else if text.contains("\"type\":\"error\"") {
                stats.error_frames.fetch_add(1, Relaxed);
            }
            continue;
        }
        let now = stats.now_us();
        let Some((sender, seq, scheduled)) = parse_payload(&text) else { continue };
        if is_new && (seen.is_some() || own.as_ref().is_some_and(|own| own.sender == sender)) {
            if let Some(id) = message_id(&text) {
                if let Some(own) = own.as_ref().filter(|own| own.sender == sender) {
                    own.latest.store(id, Relaxed);
                }
                if let Some(seen) = &seen {
                    seen.fetch_max(id, Relaxed);
                }
            }
        }
        counters.received.fetch_add(1, Relaxed);
        // A sender's messages arrive in the order it sent them, and so do its edits; but an edit
        // is stored on its own, not by the batching writer, so it may overtake a message sent
        // just before it. Each kind is checked against its own.
        let stream = sender * 2 + u64::from(!is_new);
        match last_seq.get(&stream).copied() {
            Some(last) if seq == last => {
                counters.duplicated.fetch_add(1, Relaxed);
                continue;
            }
            Some(last) if seq < last => {
                counters.out_of_order.fetch_add(1, Relaxed);
                continue;
            }
            _ => {
                last_seq.insert(stream, seq);
            }
        }
        stats.record_delivery(conn, scheduled, now);
    }
    stats.closed_by_server.fetch_add(1, Relaxed);
}

/// One sending connection between phases.
pub struct Sender {
    pub sink: WsSink,
    pub room: usize,
    pub state: SenderState,
}

/// A connection's read marker: the newest message its reader saw (`seen`), and what it last
/// marked read. Marks go out at most every `every`, and only when there is something new.
pub struct Marker {
    pub room_id: i64,
    pub seen: Arc<AtomicI64>,
    pub every: Duration,
    marked: i64,
    next: Instant,
}

impl Marker {
    /// A marker whose first mark is due at `first`.
    pub fn new(room_id: i64, every: Duration, first: Instant) -> Marker {
        Marker { room_id, seen: Arc::new(AtomicI64::new(0)), every, marked: 0, next: first }
    }

    /// The `mark_read` frame due at `now`, if one is.
    fn due(&mut self, now: Instant) -> Option<String> {
        let seen = self.seen.load(Relaxed);
        if now < self.next || seen <= self.marked {
            return None;
        }
        self.next = now + self.every;
        self.marked = seen;
        Some(format!(r#"{{"type":"mark_read","room_id":{},"message_id":{seen}}}"#, self.room_id))
    }
}

/// Marks the newest message a connection that does not send received read, every
/// `marker.every`, for as long as the connection is open.
pub async fn mark_loop(mut sink: WsSink, mut marker: Marker, stats: Arc<Stats>) {
    tokio::time::sleep_until(marker.next).await;
    let mut ticks = tokio::time::interval(marker.every);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let now = ticks.tick().await;
        let Some(frame) = marker.due(now) else { continue };
        match timeout(Duration::from_secs(10), sink.send(Message::text(frame))).await {
            Ok(Ok(())) => {
                stats.marks.fetch_add(1, Relaxed);
            }
            Ok(Err(_)) => break,
            Err(_) => {
                stats.send_errors.fetch_add(1, Relaxed);
            }
        }
    }
}

/// What a sender numbers and changes its events with.
pub struct SenderState {
    /// Globally unique sender index.
    pub id: u64,
    pub room_id: i64,
    pub next_seq: u64,
    /// The id of its latest message, as its reader saw it come back (0: none yet).
    pub latest: Arc<AtomicI64>,
    /// The message it last reacted to, and whether its reaction is there now.
    pub reacted: (i64, bool),
    /// Changes made so far, to alternate edits and reactions.
    pub changes: u64,
    /// Its read marker, when connections mark what they read.
    pub marker: Option<Marker>,
}

impl SenderState {
    pub fn new(id: u64, room_id: i64) -> SenderState {
        SenderState {
            id,
            room_id,
            next_seq: 0,
            latest: Arc::new(AtomicI64::new(0)),
            reacted: (0, false),
            changes: 0,
            marker: None,
        }
    }

    /// The next frame: a new message, or (every `every`-th event, once the sender has a message
    /// back) a change to its latest one, alternately an edit and a reaction added or taken back.
    fn next_frame(&mut self, scheduled: u64, every: u64) -> String {
        let content = format!("b|{}|{}|{}", self.id, self.next_seq, scheduled);
        let latest = self.latest.load(Relaxed);
        // Each sender changes at events of its own (offset by its index), so that the senders'
        // changes are spread like their messages rather than all due at the same tick.
        let change = every > 0 && (self.next_seq + self.id) % every == every - 1 && latest > 0;
        self.next_seq += 1;
        if !change {
            return format!(
                r#"{{"type":"send_message","room_id":{},"content":"{}","client_id":"{}-{}"}}"#,
                self.room_id,
                content,
                self.id,
                self.next_seq - 1
            );
        }
        self.changes += 1;
        if self.changes % 2 == 1 {
            return format!(r#"{{"type":"edit_message","message_id":{latest},"content":"{content}"}}"#);
        }
        // A new latest message has no reaction of ours yet.
        let here = self.reacted.0 == latest && self.reacted.1;
        self.reacted = (latest, !here);
        let kind = if here { "remove_reaction" } else { "add_reaction" };
        format!(r#"{{"type":"{kind}","message_id":{latest},"emoji":"👍"}}"#)
    }
}

/// Sends on a fixed schedule from `first` every `period` until `end` (open loop: a late tick
/// is sent at once, carrying the time it was scheduled for); every `change_every`-th event
/// (0: none) changes the sender's latest message instead. Returns the sender for the next phase.
pub async fn send_loop(
    mut s: Sender,
    first: Instant,
    period: Duration,
    end: Instant,
    change_every: u64,
    stats: Arc<Stats>,
) -> Sender {
    let mut ticks = tokio::time::interval_at(first, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    loop {
        let at = ticks.tick().await;
        if at >= end {
            break;
        }
        let scheduled = stats.micros_at(at.into_std());
        let frame = s.state.next_frame(scheduled, change_every);
        // A send that cannot complete within a few seconds counts as failed rather than stalling.
        match timeout(Duration::from_secs(10), s.sink.send(Message::text(frame))).await {
            Ok(Ok(())) => {
                stats.rooms[s.room].sent.fetch_add(1, Relaxed);
            }
            _ => {
                stats.send_errors.fetch_add(1, Relaxed);
            }
        }
        // A sender marks what it read between its messages, on the same socket.
        if let Some(mark) = s.state.marker.as_mut().and_then(|m| m.due(Instant::now())) {
            match timeout(Duration::from_secs(10), s.sink.send(Message::text(mark))).await {
                Ok(Ok(())) => {
                    stats.marks.fetch_add(1, Relaxed);
                }
                _ => {
                    stats.send_errors.fetch_add(1, Relaxed);
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_marks_only_something_new_and_at_most_once_per_interval() {
        let start = Instant::now();
        let mut m = Marker::new(3, Duration::from_secs(1), start);
        assert_eq!(m.due(start), None, "nothing seen yet");
        m.seen.store(10, Relaxed);
        assert_eq!(m.due(start).as_deref(), Some(r#"{"type":"mark_read","room_id":3,"message_id":10}"#));
        m.seen.store(12, Relaxed);
        assert_eq!(m.due(start + Duration::from_millis(500)), None, "not again within the interval");
        assert!(m.due(start + Duration::from_secs(1)).is_some_and(|f| f.contains("\"message_id\":12")));
        assert_eq!(m.due(start + Duration::from_secs(3)), None, "nothing new since");
    }

    #[test]
    fn a_message_id_is_read_from_a_new_message_frame() {
        assert_eq!(message_id(r#"{"type":"new_message","message":{"id":123,"room_id":2}}"#), Some(123));
        assert_eq!(message_id(r#"{"type":"pong"}"#), None);
    }

    #[test]
    fn every_tenth_event_changes_the_latest_message_alternating_edits_and_reaction_toggles() {
        // The events at which a sender changes: every tenth, offset by its index.
        let changes_of = |id: u64| {
            let mut s = SenderState::new(id, 3);
            let mut kinds = Vec::new();
            for i in 0..45u64 {
                if i == 5 {
                    s.latest.store(99, Relaxed);
                }
                let frame: serde_json::Value = serde_json::from_str(&s.next_frame(i, 10)).unwrap();
                kinds.push(frame["type"].as_str().unwrap().to_owned());
            }
            kinds
        };
        let kinds = changes_of(7);
        let at: Vec<usize> = (0..kinds.len()).filter(|&i| kinds[i] != "send_message").collect();
        assert_eq!(at, [12, 22, 32, 42], "sender 7 changes at its events 2, 12, … once it has a message");
        let changes: Vec<&str> = at.iter().map(|&i| kinds[i].as_str()).collect();
        assert_eq!(changes, ["edit_message", "add_reaction", "edit_message", "remove_reaction"]);
        assert_eq!(kinds.iter().filter(|k| *k == "send_message").count(), 41);
        let other = changes_of(8);
        let other_at: Vec<usize> = (0..other.len()).filter(|&i| other[i] != "send_message").collect();
        assert_eq!(other_at, [11, 21, 31, 41], "the next sender changes one event earlier");
    }

    #[test]
    fn the_payload_is_found_in_compact_and_spaced_json() {
        let compact =
            r#"{"type":"new_message","message":{"id":1,"room_id":2,"content":"b|7|42|1000","client_id":"x"}}"#;
        assert_eq!(parse_payload(compact), Some((7, 42, 1000)));
        let spaced = r#"{"type": "new_message", "message": {"content": "b|1|2|3"}}"#;
        assert_eq!(parse_payload(spaced), Some((1, 2, 3)));
    }
}
