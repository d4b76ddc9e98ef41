//! Messages and history in PostgreSQL: `MessageStore`, with the batch insert that numbers each
//! room's messages under row locks shared by every instance.

use std::collections::HashSet;

use super::connect::{constraint, internal, write_error, CLIENT_ID_UNIQUE};
use super::pool::PgConn;
use super::rows::{message_from_row, message_from_row_at, message_select, rows};
use super::PostgresStore;
use crate::domain::{ClientId, Message, MessageId, RoomId};
use crate::store::{Conflict, Inserted, MessageStore, NewMessage, Page, StoreError};

/// Why one attempt at a batch failed.
enum BatchError {
    Db(postgres::Error),
    /// A message's room does not exist.
    MissingRoom,
}

impl From<postgres::Error> for BatchError {
    fn from(e: postgres::Error) -> Self {
        BatchError::Db(e)
    }
}

/// One transaction storing a batch; see [`Store::insert_messages`].
fn insert_batch(conn: &mut PgConn, batch: &[NewMessage]) -> Result<Vec<Inserted>, BatchError> {
    const LOCK_ROOMS: &str = "SELECT id FROM rooms WHERE id = ANY($1) ORDER BY id FOR UPDATE";
    const BY_CLIENT_ID: &str = concat!(message_select!(), " WHERE m.user_id = $1 AND m.client_id = $2");
    // The room's next seq, the row and its entry in the log in one round trip; no room, no row.
    const INSERT: &str = "WITH next AS (UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq),
              stored AS (INSERT INTO messages (room_id, user_id, content, client_id, seq, created_at)
                         SELECT $1::BIGINT, $2::BIGINT, $3::TEXT, $4::TEXT, next.last_seq, $5::TIMESTAMPTZ FROM next
                         RETURNING id, seq)
         INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at)
         SELECT $1::BIGINT, stored.seq, 'message_created', stored.id, NULL, $5::TIMESTAMPTZ FROM stored
         RETURNING message_id, seq";

    let (client, prepared) = conn.split();
    let mut tx = client.transaction()?;
    // Lock the batch's rooms in ascending id order before anything else: two instances
    // committing batches over the same rooms then queue instead of deadlocking, and a room's
    // seqs and ids grow together across instances.
    let mut room_ids: Vec<i64> = batch.iter().map(|m| m.room_id.0).collect();
    room_ids.sort_unstable();
    room_ids.dedup();
    let locked: HashSet<i64> =
        prepared.query(&mut tx, LOCK_ROOMS, &[&room_ids])?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;

    let mut out = Vec::with_capacity(batch.len());
    for m in batch {
        let client_id = m.client_id.as_ref().map(ClientId::as_str);
        if let Some(client_id) = client_id {
            // Also catches a repeat within this very batch: earlier rows are visible.
            if let Some(row) = prepared.query_opt(&mut tx, BY_CLIENT_ID, &[&m.user.id.0, &client_id])? {
                out.push(Inserted { message: message_from_row(&row)?, fresh: false });
                continue;
            }
        }
        if !locked.contains(&m.room_id.0) {
            return Err(BatchError::MissingRoom);
        }
        let row = prepared
            .query_opt(&mut tx, INSERT, &[&m.room_id.0, &m.user.id.0, &m.content.as_str(), &client_id, &m.created_at])?
            .ok_or(BatchError::MissingRoom)?;
        out.push(Inserted {
            message: Message {
                id: MessageId(row.try_get(0)?),
                room_id: m.room_id,
                content: m.content.as_str().to_owned(),
                created_at: m.created_at,
                client_id: client_id.map(str::to_owned),
                user: m.user.clone(),
                seq: row.try_get(1)?,
            },
            fresh: true,
        });
    }
    tx.commit()?;
    Ok(out)
}

impl MessageStore for PostgresStore {
    fn insert_messages(&self, batch: &[NewMessage]) -> Result<Vec<Inserted>, StoreError> {
        let mut conn = self.connection()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match insert_batch(&mut conn, batch) {
                Ok(inserted) => return Ok(inserted),
                Err(BatchError::MissingRoom) => return Err(StoreError::NotFound),
                // Another instance stored the same (user, client_id) between our look-up and
                // our insert (a client resending through a second instance). Its row is
                // committed now, so a second run of the batch finds it and answers with it.
                Err(BatchError::Db(e)) if attempt < 3 && constraint(&e) == Some(CLIENT_ID_UNIQUE) => {
                    tracing::debug!(
                        attempt,
                        "a client_id was stored by another instance meanwhile; retrying the batch"
                    );
                }
                Err(BatchError::Db(e)) => return Err(write_error(e, Conflict::RoomName)),
            }
        }
    }

    fn messages_before(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Vec<Message>, StoreError> {
        const SQL: &str = concat!(message_select!(), " WHERE m.room_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3");
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let before = before.map_or(i64::MAX, |b| b.0);
        let mut messages = rows(
            prepared.query(client, SQL, &[&room.0, &before, &i64::from(limit)]).map_err(internal)?,
            message_from_row,
        )?;
        messages.reverse();
        Ok(messages)
    }

    fn history(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Option<Page>, StoreError> {
        // One statement, so one snapshot: the page and the seq agree even while messages are
        // being committed. The room row comes back once even when the page is empty.
        const SQL: &str = concat!(
            "SELECT r.last_seq, page.* FROM rooms r LEFT JOIN LATERAL (",
            message_select!(),
            " WHERE m.room_id = r.id AND m.id < $2 ORDER BY m.id DESC LIMIT $3) page ON TRUE WHERE r.id = $1"
        );
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let before = before.map_or(i64::MAX, |b| b.0);
        let found = prepared.query(client, SQL, &[&room.0, &before, &i64::from(limit)]).map_err(internal)?;
        let Some(first) = found.first() else { return Ok(None) };
        let seq: i64 = first.try_get(0).map_err(internal)?;
        let mut messages = Vec::with_capacity(found.len());
        for row in &found {
            if row.try_get::<_, Option<i64>>(1).map_err(internal)?.is_some() {
                messages.push(message_from_row_at(row, 1).map_err(internal)?);
            }
        }
        messages.reverse();
        Ok(Some(Page { messages, seq }))
    }
}
