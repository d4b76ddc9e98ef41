//! The audit, run on the database file once the server has stopped: opened read-only, so the
//! audit cannot repair what it is checking.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::UNIX_EPOCH;

use rusqlite::{Connection, OpenFlags};

use super::client::Acked;

/// What the audit found. Every count but `stored` and `answered_from_store` must be 0.
#[derive(Debug, Default)]
pub struct Audit {
    /// Messages in the database.
    pub stored: u64,
    /// Acknowledged messages that are not stored (by user and client_id).
    pub lost: u64,
    /// Extra copies: rows beyond the first for one (user, client_id), or for one content.
    pub duplicates: u64,
    /// Acknowledged messages stored with another content, id or seq than the acknowledgement said.
    pub mismatched: u64,
    /// Stored messages no client sent or is still waiting for, and messages without a client_id.
    pub unexpected: u64,
    /// Seqs in 1..=rooms.last_seq missing from room_events, summed over rooms.
    pub gaps: u64,
    /// Events outside 1..=last_seq, messages without their message_created event (same room and
    /// seq) or sharing a seq, events naming a missing or different message.
    pub log_mismatches: u64,
    /// `PRAGMA integrity_check`, its rows joined.
    pub integrity: String,
    /// Rows of `PRAGMA foreign_key_check`.
    pub foreign_key_violations: u64,
    /// Resent messages whose stored copy predates the connection loss: committed by the killed
    /// server but not acknowledged before it died, then answered from the store on resend.
    pub answered_from_store: u64,
    /// The first few problems, described.
    pub problems: Vec<String>,
}

const SHOWN_PROBLEMS: usize = 20;

impl Audit {
    pub fn violations(&self) -> u64 {
        self.lost
            + self.duplicates
            + self.mismatched
            + self.unexpected
            + self.gaps
            + self.log_mismatches
            + self.foreign_key_violations
            + u64::from(self.integrity != "ok")
    }

    fn problem(&mut self, text: String) {
        if self.problems.len() < SHOWN_PROBLEMS {
            self.problems.push(text);
        }
    }
}

/// One row of `messages`.
struct Row {
    id: i64,
    room_id: i64,
    user_id: i64,
    content: String,
    client_id: Option<String>,
    seq: i64,
    created_at_us: i64,
}

/// Audits `database` against what the clients were told (`acked`, by client_id) and what they
/// were still waiting for (`pending`).
pub fn audit(database: &Path, acked: &HashMap<String, Acked>, pending: &HashSet<String>) -> Result<Audit, String> {
    let db = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("opening {} read-only: {e}", database.display()))?;
    let sql = |e: rusqlite::Error| format!("auditing {}: {e}", database.display());
    let mut audit = Audit::default();

    let integrity: Vec<String> =
        db.prepare("PRAGMA integrity_check").and_then(|mut s| s.query_map([], |r| r.get(0))?.collect()).map_err(sql)?;
    audit.integrity = integrity.join("; ");
    audit.foreign_key_violations = db
        .prepare("PRAGMA foreign_key_check")
        .and_then(|mut s| s.query_map([], |_| Ok(()))?.count_ok())
        .map_err(sql)?;

    let rows: Vec<Row> = db
        .prepare("SELECT id, room_id, user_id, content, client_id, seq, created_at FROM messages ORDER BY id")
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok(Row {
                    id: r.get(0)?,
                    room_id: r.get(1)?,
                    user_id: r.get(2)?,
                    content: r.get(3)?,
                    client_id: r.get(4)?,
                    seq: r.get(5)?,
                    created_at_us: r.get(6)?,
                })
            })?
            .collect()
        })
        .map_err(sql)?;
    audit.stored = rows.len() as u64;

    // Messages: each acknowledged one stored once, as acknowledged; nothing else stored.
    let mut by_client_id: HashMap<(i64, &str), Vec<&Row>> = HashMap::new();
    let mut by_content: HashMap<&str, HashSet<Option<&str>>> = HashMap::new();
    for row in &rows {
        by_content.entry(&row.content).or_default().insert(row.client_id.as_deref());
        match &row.client_id {
            Some(client_id) => by_client_id.entry((row.user_id, client_id)).or_default().push(row),
            None => {
                audit.unexpected += 1;
                audit.problem(format!("message {} has no client_id", row.id));
            }
        }
    }
    for ((user_id, client_id), copies) in &by_client_id {
        if copies.len() > 1 {
            audit.duplicates += copies.len() as u64 - 1;
            let ids: Vec<i64> = copies.iter().map(|r| r.id).collect();
            audit.problem(format!("user {user_id}'s {client_id} is stored {} times: messages {ids:?}", copies.len()));
        }
        let sent = acked.get(*client_id).is_some_and(|a| a.user_id == *user_id) || pending.contains(*client_id);
        if !sent {
            audit.unexpected += copies.len() as u64;
            audit.problem(format!("user {user_id}'s {client_id} is stored but was never sent"));
        }
    }
    for (content, client_ids) in &by_content {
        // Contents are unique by construction: one content under several client_ids is a
        // duplicate the client_id index cannot catch.
        if client_ids.len() > 1 {
            audit.duplicates += client_ids.len() as u64 - 1;
            audit.problem(format!("{content:?} is stored under {} client_ids", client_ids.len()));
        }
    }
    for (client_id, ack) in acked {
        match by_client_id.get(&(ack.user_id, client_id.as_str())).and_then(|copies| copies.first()) {
            None => {
                audit.lost += 1;
                audit.problem(format!(
                    "{client_id} was acknowledged as message {} (seq {}) but is not stored",
                    ack.message_id, ack.seq
                ));
            }
            Some(row) => {
                if row.content != ack.content || row.id != ack.message_id || row.seq != ack.seq {
                    audit.mismatched += 1;
                    audit.problem(format!(
                        "{client_id}: acknowledged as message {} seq {} {:?}, stored as message {} seq {} {:?}",
                        ack.message_id, ack.seq, ack.content, row.id, row.seq, row.content
                    ));
                }
                let interrupted_us = ack
                    .interrupted_at
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
                if interrupted_us.is_some_and(|at| row.created_at_us < at) {
                    audit.answered_from_store += 1;
                }
            }
        }
    }

    // The room event log: per room, seq 1..=last_seq each exactly once, nothing beyond.
    let rooms: Vec<(i64, i64)> = db
        .prepare("SELECT id, last_seq FROM rooms ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(sql)?;
    for (room, last_seq) in rooms {
        let seqs: Vec<i64> = db
            .prepare("SELECT seq FROM room_events WHERE room_id = ?1 ORDER BY seq")
            .and_then(|mut s| s.query_map([room], |r| r.get(0))?.collect())
            .map_err(sql)?;
        let present: HashSet<i64> = seqs.iter().copied().filter(|s| (1..=last_seq).contains(s)).collect();
        let missing = last_seq.max(0) as u64 - present.len() as u64;
        if missing > 0 {
            audit.gaps += missing;
            let first = (1..=last_seq).find(|s| !present.contains(s)).unwrap_or_default();
            audit.problem(format!(
                "room {room}: {missing} of seq 1..={last_seq} missing from room_events, first {first}"
            ));
        }
        let extra = seqs.len() as u64 - present.len() as u64;
        if extra > 0 {
            audit.log_mismatches += extra;
            audit.problem(format!("room {room}: {extra} events outside 1..={last_seq} or repeated"));
        }
    }
    let mut seqs_taken: HashSet<(i64, i64)> = HashSet::new();
    for row in &rows {
        if !seqs_taken.insert((row.room_id, row.seq)) {
            audit.log_mismatches += 1;
            audit.problem(format!("message {} shares seq {} of room {} with another", row.id, row.seq, row.room_id));
        }
    }
    let count = |query: &str| db.query_row(query, [], |r| r.get::<_, i64>(0)).map(|n| n as u64).map_err(sql);
    let without_event = count(
        "SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM room_events e WHERE e.room_id = m.room_id \
         AND e.seq = m.seq AND e.kind = 'message_created' AND e.message_id = m.id)",
    )?;
    let orphans = count(
        "SELECT count(*) FROM room_events e LEFT JOIN messages m ON m.id = e.message_id WHERE e.kind = 'message_created' \
         AND (m.id IS NULL OR m.room_id <> e.room_id OR m.seq <> e.seq)",
    )?;
    if without_event > 0 {
        audit.problem(format!("{without_event} messages have no message_created event at their seq"));
    }
    if orphans > 0 {
        audit.problem(format!("{orphans} message_created events name a missing or different message"));
    }
    audit.log_mismatches += without_event + orphans;
    Ok(audit)
}

/// Counts rows of a query, failing on the first error.
trait CountOk {
    fn count_ok(self) -> rusqlite::Result<u64>;
}

impl<I: Iterator<Item = rusqlite::Result<()>>> CountOk for I {
    fn count_ok(mut self) -> rusqlite::Result<u64> {
        self.try_fold(0, |n, row| row.map(|()| n + 1))
    }
}
