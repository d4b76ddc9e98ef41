//! The connections: WebSocket handshake and join, one reader task per connection that checks
//! every delivery, and open-loop sender tasks.

use std::collections::HashMap;
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

/// How to reach the server's WebSocket.
pub struct Endpoint {
    pub addr: String,
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

/// Opens a WebSocket, joins `room_id`, and waits for `room_users_list`.
pub async fn connect_and_join(ep: &Endpoint, room_id: i64) -> Result<Joined, String> {
    let url = format!("ws://{}/ws", ep.addr);
    let mut req = url.as_str().into_client_request().map_err(|e| format!("{url}: {e}"))?;
    if let Some(session) = &ep.session {
        let h = req.headers_mut();
        h.insert("Cookie", HeaderValue::from_str(&format!("discock_session={session}")).map_err(|e| e.to_string())?);
        h.insert("Origin", HeaderValue::from_str(&format!("http://{}", ep.addr)).map_err(|e| e.to_string())?);
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

/// Reads one connection until it closes or the task is aborted, checking per sender that seqs
/// arrive exactly once and in increasing order.
pub async fn read_loop(mut stream: SplitStream<Ws>, room: usize, conn: usize, stats: Arc<Stats>) {
    let mut last_seq: HashMap<u64, u64> = HashMap::new();
    let counters = &stats.rooms[room];
    while let Some(frame) = stream.next().await {
        let text = match frame {
            Ok(Message::Text(t)) => t,
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => continue,
        };
        if !text.contains("\"new_message\"") {
            if text.contains("\"type\":\"error\"") {
                stats.error_frames.fetch_add(1, Relaxed);
            }
            continue;
        }
        let now = stats.now_us();
        let Some((sender, seq, scheduled)) = parse_payload(&text) else { continue };
        counters.received.fetch_add(1, Relaxed);
        match last_seq.get(&sender).copied() {
            Some(last) if seq == last => {
                counters.duplicated.fetch_add(1, Relaxed);
                continue;
            }
            Some(last) if seq < last => {
                counters.out_of_order.fetch_add(1, Relaxed);
                continue;
            }
            _ => {
                last_seq.insert(sender, seq);
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
    pub room_id: i64,
    /// Globally unique sender index.
    pub id: u64,
    pub next_seq: u64,
}

/// Sends on a fixed schedule from `first` every `period` until `end` (open loop: a late tick
/// is sent at once, carrying the time it was scheduled for). Returns the sender for the next phase.
pub async fn send_loop(mut s: Sender, first: Instant, period: Duration, end: Instant, stats: Arc<Stats>) -> Sender {
    let mut ticks = tokio::time::interval_at(first, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    loop {
        let at = ticks.tick().await;
        if at >= end {
            break;
        }
        let scheduled = stats.micros_at(at.into_std());
        let content = format!("b|{}|{}|{}", s.id, s.next_seq, scheduled);
        let frame = format!(
            r#"{{"type":"send_message","room_id":{},"content":"{}","client_id":"{}-{}"}}"#,
            s.room_id, content, s.id, s.next_seq
        );
        s.next_seq += 1;
        // A send that cannot complete within a few seconds counts as failed rather than stalling.
        match timeout(Duration::from_secs(10), s.sink.send(Message::text(frame))).await {
            Ok(Ok(())) => {
                stats.rooms[s.room].sent.fetch_add(1, Relaxed);
            }
            _ => {
                stats.send_errors.fetch_add(1, Relaxed);
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::parse_payload;

    #[test]
    fn the_payload_is_found_in_compact_and_spaced_json() {
        let compact =
            r#"{"type":"new_message","message":{"id":1,"room_id":2,"content":"b|7|42|1000","client_id":"x"}}"#;
        assert_eq!(parse_payload(compact), Some((7, 42, 1000)));
        let spaced = r#"{"type": "new_message", "message": {"content": "b|1|2|3"}}"#;
        assert_eq!(parse_payload(spaced), Some((1, 2, 3)));
    }
}
