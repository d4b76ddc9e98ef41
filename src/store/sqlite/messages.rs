//! Messages and history in SQLite: `MessageStore`, with the batch insert that numbers each
//! room's messages.

use rusqlite::{params, Connection, OptionalExtension};

use super::rooms::room_seq;
use super::rows::{internal, message_from_row, micros, write_error, MESSAGE_SELECT};
use super::SqliteStore;
use crate::domain::{Message, MessageId, RoomId};
use crate::store::{Conflict, Inserted, MessageStore, NewMessage, Page, StoreError};

impl MessageStore for SqliteStore {
    fn insert_messages(&self, batch: &[NewMessage]) -> Result<Vec<Inserted>, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
        let mut out = Vec::with_capacity(batch.len());
        {
            let mut existing_by_client = tx
                .prepare_cached(&format!("{MESSAGE_SELECT} WHERE m.user_id = ?1 AND m.client_id = ?2"))
                .map_err(internal)?;
            // Each room's last seq is read once per batch and written back once at the end
            // (the transaction holds the write lock), not updated row by row.
            let mut last_seq_of = tx.prepare_cached("SELECT last_seq FROM rooms WHERE id = ?1").map_err(internal)?;
            let mut last_seqs: Vec<(RoomId, i64)> = Vec::new();
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO messages (room_id, user_id, content, client_id, seq, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(internal)?;
            let mut log = tx
                .prepare_cached(
                    "INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at)
                     VALUES (?1, ?2, 'message_created', ?3, NULL, ?4)",
                )
                .map_err(internal)?;
            for m in batch {
                let client_id = m.client_id.as_ref().map(|c| c.as_str());
                if let Some(client_id) = client_id {
                    // Also catches a repeat within this very batch: earlier rows are visible.
                    let earlier = existing_by_client
                        .query_row(params![m.user.id.0, client_id], message_from_row)
                        .optional()
                        .map_err(internal)?;
                    if let Some(message) = earlier {
                        out.push(Inserted { message, fresh: false });
                        continue;
                    }
                }
                let seq = match last_seqs.iter_mut().find(|(room, _)| *room == m.room_id) {
                    Some((_, last)) => {
                        *last += 1;
                        *last
                    }
                    None => {
                        let last: i64 = last_seq_of
                            .query_row([m.room_id.0], |r| r.get(0))
                            .optional()
                            .map_err(internal)?
                            .ok_or(StoreError::NotFound)?;
                        last_seqs.push((m.room_id, last + 1));
                        last + 1
                    }
                };
                insert
                    .execute(params![
                        m.room_id.0,
                        m.user.id.0,
                        m.content.as_str(),
                        client_id,
                        seq,
                        micros(m.created_at)
                    ])
                    .map_err(|e| write_error(e, Conflict::RoomName))?;
                let id = tx.last_insert_rowid();
                log.execute(params![m.room_id.0, seq, id, micros(m.created_at)]).map_err(internal)?;
                out.push(Inserted {
                    message: Message {
                        id: MessageId(id),
                        room_id: m.room_id,
                        content: m.content.as_str().to_owned(),
                        created_at: m.created_at,
                        client_id: client_id.map(str::to_owned),
                        user: m.user.clone(),
                        seq,
                    },
                    fresh: true,
                });
            }
            let mut save_seq = tx.prepare_cached("UPDATE rooms SET last_seq = ?2 WHERE id = ?1").map_err(internal)?;
            for (room, last) in last_seqs {
                save_seq.execute(params![room.0, last]).map_err(internal)?;
            }
        }
        tx.commit().map_err(internal)?;
        Ok(out)
    }

    fn messages_before(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Vec<Message>, StoreError> {
        messages_before(&*self.conn()?, room, before, limit)
    }

    fn history(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Option<Page>, StoreError> {
        let mut conn = self.conn()?;
        // One read transaction: under WAL both reads see the same snapshot, so no message
        // committed in between can fall between the page and the seq.
        let tx = conn.transaction().map_err(internal)?;
        let Some(seq) = room_seq(&tx, room)? else { return Ok(None) };
        let messages = messages_before(&tx, room, before, limit)?;
        tx.commit().map_err(internal)?;
        Ok(Some(Page { messages, seq }))
    }
}

fn messages_before(
    conn: &Connection,
    room: RoomId,
    before: Option<MessageId>,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("{MESSAGE_SELECT} WHERE m.room_id = ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3"))
        .map_err(internal)?;
    let mut messages: Vec<Message> = stmt
        .query_map(params![room.0, before.map_or(i64::MAX, |b| b.0), limit], message_from_row)
        .and_then(|rows| rows.collect())
        .map_err(internal)?;
    messages.reverse();
    Ok(messages)
}
