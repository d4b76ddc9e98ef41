//! Ingest: K connections in one room send as fast as the server stores and acknowledges
//! (closed loop, at most W messages in flight per connection). A message counts as stored when
//! its sender receives it back as `new_message`, which the server sends only after the commit.
//! The same run fills the room that the history timing reads afterwards.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::time::{timeout, Instant};
use tokio_tungstenite::tungstenite::Message;

use crate::load::{parse_payload, Joined};
use crate::stats;

/// What one fill measured.
pub struct IngestResult {
    pub senders: usize,
    pub window: usize,
    pub messages: u64,
    pub secs: f64,
    /// From writing a message to receiving it back, microseconds.
    pub ack: hdrhistogram::Histogram<u64>,
    pub busy: stats::Busy,
}

impl IngestResult {
    pub fn per_second(&self) -> f64 {
        self.messages as f64 / self.secs
    }
}

/// Sends `total` messages into `room_id` through `conns` (already joined), `window` in flight
/// per connection, and waits until every one came back. Sender ids start at `first_id`.
pub async fn fill(
    conns: Vec<Joined>,
    room_id: i64,
    first_id: u64,
    total: u64,
    window: usize,
    server_pids: &[u32],
    backing_pids: &[u32],
) -> Result<IngestResult, String> {
    let senders = conns.len();
    if senders == 0 {
        return Err("ingest needs at least one connection".into());
    }
    let busy_start = stats::Busy::start(server_pids, backing_pids);
    let started = Instant::now();
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(i, conn)| {
            // Spread the total; the first `total % senders` connections send one more.
            let quota = total / senders as u64 + u64::from((i as u64) < total % senders as u64);
            tokio::spawn(send_and_confirm(conn, room_id, first_id + i as u64, quota, window.max(1)))
        })
        .collect();
    let mut ack = stats::histogram();
    for task in tasks {
        let h = task.await.map_err(|e| format!("ingest task: {e}"))??;
        ack.add(&h).map_err(|e| format!("ingest histogram: {e}"))?;
    }
    let secs = started.elapsed().as_secs_f64();
    let busy = stats::Busy::since(&busy_start);
    Ok(IngestResult { senders, window, messages: total, secs, ack, busy })
}

/// One connection's share: keeps `window` messages in flight until `quota` came back, checking
/// that its own messages return once each and in the order sent.
async fn send_and_confirm(
    conn: Joined,
    room_id: i64,
    id: u64,
    quota: u64,
    window: usize,
) -> Result<hdrhistogram::Histogram<u64>, String> {
    let Joined { mut sink, mut stream } = conn;
    let mut h = stats::histogram();
    let mut in_flight: VecDeque<(u64, Instant)> = VecDeque::with_capacity(window);
    let (mut next, mut confirmed) = (0u64, 0u64);
    while confirmed < quota {
        let mut wrote = false;
        while next < quota && in_flight.len() < window {
            let frame = format!(
                r#"{{"type":"send_message","room_id":{room_id},"content":"b|{id}|{next}|0","client_id":"i{id}-{next}"}}"#
            );
            sink.feed(Message::text(frame)).await.map_err(|e| format!("ingest send: {e}"))?;
            in_flight.push_back((next, Instant::now()));
            next += 1;
            wrote = true;
        }
        if wrote {
            sink.flush().await.map_err(|e| format!("ingest send: {e}"))?;
        }
        let frame = match timeout(Duration::from_secs(30), stream.next()).await {
            Err(_) => {
                return Err(format!("ingest: sender {id} heard nothing for 30 s ({confirmed}/{quota} confirmed)"))
            }
            Ok(None) | Ok(Some(Err(_))) => return Err(format!("ingest: sender {id}'s connection closed")),
            Ok(Some(Ok(Message::Text(t)))) => t,
            Ok(Some(Ok(_))) => continue,
        };
        if frame.contains("\"type\":\"error\"") {
            return Err(format!("ingest: sender {id} got {frame}"));
        }
        let Some((sender, seq, _)) = parse_payload(&frame) else { continue };
        if sender != id {
            continue;
        }
        match in_flight.pop_front() {
            Some((expected, at)) if expected == seq => {
                h.saturating_record((at.elapsed().as_micros() as u64).max(1));
                confirmed += 1;
            }
            other => {
                return Err(format!(
                    "ingest: sender {id} got its message {seq} back while expecting {:?}",
                    other.map(|(s, _)| s)
                ))
            }
        }
    }
    let _ = sink.close().await;
    Ok(h)
}
