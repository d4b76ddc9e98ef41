//! The audit after the drill, through the surviving instance's history API: every acknowledged
//! message stored exactly once and as acknowledged, the rooms' seqs accounted for, and every
//! member of every room given every message exactly once, in seq order.

use std::collections::{HashMap, HashSet};

use reqwest::header::COOKIE;
use reqwest::StatusCode;

use crate::client::Outcome;

/// Problems described in the report; the rest are only counted.
const SHOWN_PROBLEMS: usize = 20;

/// What the audit found. Every count but `stored`, `acked`, `expected` and `delivered` must be 0.
#[derive(Debug, Default)]
pub struct Audit {
    /// Messages in the drill's rooms.
    pub stored: u64,
    /// Distinct messages acknowledged to their senders.
    pub acked: u64,
    /// Acknowledged but not stored.
    pub lost: u64,
    /// Copies beyond the first of one sender's `client_id`.
    pub stored_twice: u64,
    /// Stored under another id or room than the acknowledgement said.
    pub mismatched: u64,
    /// Stored, but its sender was still waiting for the acknowledgement when the drill ended.
    pub stored_unacknowledged: u64,
    /// Stored, but no client sent it (or without a `client_id`).
    pub unexpected: u64,
    /// A room whose seq is not its number of messages, or whose acknowledged seqs are not
    /// exactly 1…seq.
    pub seq_problems: u64,
    /// Deliveries owed: each room's messages times its members.
    pub expected: u64,
    /// Deliveries received (first copies, in order).
    pub delivered: u64,
    /// Deliveries owed but never received.
    pub missed: u64,
    /// A delivered seq naming another message than the one stored with it.
    pub wrong: u64,
    pub problems: Vec<String>,
}

impl Audit {
    pub fn violations(&self) -> u64 {
        self.lost
            + self.stored_twice
            + self.mismatched
            + self.stored_unacknowledged
            + self.unexpected
            + self.seq_problems
            + self.missed
            + self.wrong
    }

    fn problem(&mut self, text: String) {
        if self.problems.len() < SHOWN_PROBLEMS {
            self.problems.push(text);
        }
    }
}

/// A stored message as the history API gives it.
struct Stored {
    id: i64,
    room: i64,
    user_id: i64,
    client_id: Option<String>,
}

/// The room's seq now: `X-Room-Seq` of a one-message page.
pub async fn room_seq(http: &reqwest::Client, base: &str, session: &str, room: i64) -> Result<i64, String> {
    let (seq, _) = page(http, base, session, room, None, 1).await?;
    Ok(seq)
}

/// One history page: the room's seq and the messages, oldest first.
async fn page(
    http: &reqwest::Client,
    base: &str,
    session: &str,
    room: i64,
    before: Option<i64>,
    limit: u32,
) -> Result<(i64, Vec<serde_json::Value>), String> {
    let mut url = format!("{base}/api/messages/{room}?limit={limit}");
    if let Some(before) = before {
        url.push_str(&format!("&before={before}"));
    }
    let resp = http
        .get(&url)
        .header(COOKIE, format!("discock_session={session}"))
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if resp.status() != StatusCode::OK {
        return Err(format!("GET {url}: {}", resp.status()));
    }
    let seq = resp
        .headers()
        .get("x-room-seq")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .ok_or_else(|| format!("GET {url}: no X-Room-Seq"))?;
    let messages: Vec<serde_json::Value> = resp.json().await.map_err(|e| format!("GET {url}: {e}"))?;
    Ok((seq, messages))
}

/// Every message of the room, oldest first, and its seq.
async fn history(http: &reqwest::Client, base: &str, session: &str, room: i64) -> Result<(i64, Vec<Stored>), String> {
    let mut all = Vec::new();
    let mut before = None;
    let mut room_seq = None;
    loop {
        let (seq, messages) = page(http, base, session, room, before, 100).await?;
        room_seq.get_or_insert(seq);
        let Some(oldest) = messages.first().and_then(|m| m["id"].as_i64()) else { break };
        for m in messages.iter().rev() {
            all.push(Stored {
                id: m["id"].as_i64().unwrap_or_default(),
                room: m["room_id"].as_i64().unwrap_or_default(),
                user_id: m["user"]["id"].as_i64().unwrap_or_default(),
                client_id: m["client_id"].as_str().map(str::to_owned),
            });
        }
        before = Some(oldest);
    }
    all.reverse();
    Ok((room_seq.unwrap_or_default(), all))
}

/// Audits the rooms' stored history against what the clients were told and received.
pub async fn audit(
    http: &reqwest::Client,
    base: &str,
    session: &str,
    rooms: &[i64],
    clients: &[Outcome],
) -> Result<Audit, String> {
    let mut audit = Audit::default();
    let mut seqs = HashMap::new();
    let mut stored = Vec::new();
    for &room in rooms {
        let (seq, messages) = history(http, base, session, room).await?;
        if seq != messages.len() as i64 {
            audit.seq_problems += 1;
            audit.problem(format!("room {room}: seq {seq} but {} messages stored", messages.len()));
        }
        seqs.insert(room, seq);
        stored.extend(messages);
    }
    audit.stored = stored.len() as u64;

    // Stored: each acknowledged message exactly once, as acknowledged; nothing else.
    let mut copies: HashMap<(i64, &str), Vec<&Stored>> = HashMap::new();
    for message in &stored {
        match message.client_id.as_deref() {
            Some(client_id) => copies.entry((message.user_id, client_id)).or_default().push(message),
            None => {
                audit.unexpected += 1;
                audit.problem(format!("message {} has no client_id", message.id));
            }
        }
    }
    let mut acked = HashSet::new();
    let pending: HashSet<(i64, &str)> =
        clients.iter().flat_map(|c| c.pending.iter().map(move |id| (c.user_id, id.as_str()))).collect();
    // Per room, the message acknowledged with each seq.
    let mut by_seq: HashMap<i64, HashMap<i64, i64>> = HashMap::new();
    for client in clients {
        for ack in &client.acked {
            let key = (client.user_id, ack.client_id.as_str());
            acked.insert(key);
            if by_seq.entry(ack.room).or_default().insert(ack.seq, ack.message_id).is_some() {
                audit.seq_problems += 1;
                audit.problem(format!("room {}: seq {} acknowledged to two messages", ack.room, ack.seq));
            }
            match copies.get(&key).map(Vec::as_slice) {
                None | Some([]) => {
                    audit.lost += 1;
                    audit.problem(format!(
                        "user {}'s {} was acknowledged as message {} (room {}, seq {}) but is not stored",
                        client.user_id, ack.client_id, ack.message_id, ack.room, ack.seq
                    ));
                }
                Some([first, ..]) if first.id != ack.message_id || first.room != ack.room => {
                    audit.mismatched += 1;
                    audit.problem(format!(
                        "user {}'s {} acknowledged as message {} in room {}, stored as {} in room {}",
                        client.user_id, ack.client_id, ack.message_id, ack.room, first.id, first.room
                    ));
                }
                Some(_) => {}
            }
        }
    }
    audit.acked = acked.len() as u64;
    for (key, found) in &copies {
        if found.len() > 1 {
            audit.stored_twice += found.len() as u64 - 1;
            audit.problem(format!("user {}'s {} is stored {} times", key.0, key.1, found.len()));
        }
        if !acked.contains(key) {
            if pending.contains(key) {
                audit.stored_unacknowledged += 1;
                audit.problem(format!("user {}'s {} is stored but was never acknowledged", key.0, key.1));
            } else {
                audit.unexpected += 1;
                audit.problem(format!("user {}'s {} is stored but was never sent", key.0, key.1));
            }
        }
    }
    for (&room, &seq) in &seqs {
        let numbered = by_seq.get(&room).map_or(0, |m| m.keys().filter(|&&s| (1..=seq).contains(&s)).count());
        if numbered as i64 != seq {
            audit.seq_problems += 1;
            audit.problem(format!("room {room}: {numbered} of its seqs 1…{seq} were acknowledged"));
        }
    }

    // Delivered: every member of a room got each of its messages once, in seq order (the
    // clients applied only seqs above the last one, so what they kept is increasing).
    for client in clients {
        for room in &client.rooms {
            let seq = seqs.get(room).copied().unwrap_or_default();
            audit.expected += seq as u64;
            let got = client.deliveries.get(room).map(Vec::as_slice).unwrap_or_default();
            audit.delivered += got.len() as u64;
            let numbered = by_seq.get(room);
            for &(s, id) in got {
                if numbered.and_then(|m| m.get(&s)) != Some(&id) {
                    audit.wrong += 1;
                    audit.problem(format!("client {} got message {id} as seq {s} of room {room}", client.index));
                }
            }
            let missing = (seq as u64).saturating_sub(got.len() as u64);
            if missing > 0 {
                audit.missed += missing;
                audit.problem(format!(
                    "client {} got {} of room {room}'s {seq} messages (last seq {})",
                    client.index,
                    got.len(),
                    got.last().map_or(0, |d| d.0)
                ));
            }
        }
    }
    Ok(audit)
}
