//! Messages and history in SQLite: `MessageStore`, with the batch insert that numbers each
//! room's messages, and the changes to posted messages (edits, deletions, reactions, pins).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::events::log_event;
use super::rooms::room_seq;
use super::rows::{internal, message_from_row, micros, write_error, MESSAGE_SELECT};
use super::SqliteStore;
use crate::cities::CityId;
use crate::domain::{Author, Message, MessageId, Reaction, Reactors, Room, RoomId, UserId, Username};
use crate::emoji::Emoji;
use crate::events::{Change, RoomEvent};
use crate::store::{
    attach_reactions, mentions_column, older_in_window, ChangeOutcome, Conflict, Inserted, MessageChange, MessageStore,
    NewMessage, Page, ReactionRow, StoreError, Write, Written, MAX_REACTION_EMOJI,
};

/// Each room's last seq, read once per batch and written back once at the end (the
/// transaction holds the write lock), not updated write by write.
#[derive(Default)]
struct Seqs(Vec<(RoomId, i64)>);

impl Seqs {
    /// The room's next seq; `NotFound` when there is no such room.
    fn next(&mut self, tx: &Connection, room: RoomId) -> Result<i64, StoreError> {
        if let Some((_, last)) = self.0.iter_mut().find(|(r, _)| *r == room) {
            *last += 1;
            return Ok(*last);
        }
        let last: i64 = tx
            .prepare_cached("SELECT last_seq FROM rooms WHERE id = ?1")
            .and_then(|mut s| s.query_row([room.0], |r| r.get(0)).optional())
            .map_err(internal)?
            .ok_or(StoreError::NotFound)?;
        self.0.push((room, last + 1));
        Ok(last + 1)
    }

    fn save(self, tx: &Connection) -> Result<(), StoreError> {
        let mut save = tx.prepare_cached("UPDATE rooms SET last_seq = ?2 WHERE id = ?1").map_err(internal)?;
        for (room, last) in self.0 {
            save.execute(params![room.0, last]).map_err(internal)?;
        }
        Ok(())
    }
}

impl SqliteStore {
    /// A page of a room's history as `read` picks it, with the reader's reactions and the
    /// room's seq, in one read transaction: under WAL both reads see the same snapshot, so no
    /// message committed in between can fall between the page and the seq. `None`: no such room.
    fn page(
        &self,
        room: RoomId,
        viewer: UserId,
        read: impl FnOnce(&rusqlite::Connection) -> Result<Vec<Message>, StoreError>,
    ) -> Result<Option<Page>, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(internal)?;
        let Some(seq) = room_seq(&tx, room)? else { return Ok(None) };
        let messages = with_reactions(&tx, read(&tx)?, Some(viewer))?;
        tx.commit().map_err(internal)?;
        Ok(Some(Page { messages, seq }))
    }
}

impl MessageStore for SqliteStore {
    fn write(&self, batch: &[Write]) -> Result<Vec<Written>, StoreError> {
        let _turn = self.write_turn();
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
        let mut seqs = Seqs::default();
        let mut out = Vec::with_capacity(batch.len());
        for write in batch {
            out.push(match write {
                Write::Post(m) => Written::Posted(post(&tx, &mut seqs, m)?),
                Write::Change { id, change, by, at } => {
                    Written::Changed(change_message(&tx, &mut seqs, *id, change, *by, *at)?)
                }
                Write::MarkRead { user, room, message, at, counted } => {
                    Written::Read(super::reads::mark(&tx, *user, *room, *message, *at, *counted)?)
                }
            });
        }
        seqs.save(&tx)?;
        tx.commit().map_err(internal)?;
        Ok(out)
    }

    fn messages_before(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Vec<Message>, StoreError> {
        let conn = self.conn()?;
        let messages = messages_before(&conn, room, before, limit)?;
        with_reactions(&conn, messages, None)
    }

    fn history(
        &self,
        room: RoomId,
        before: Option<MessageId>,
        limit: u32,
        viewer: UserId,
    ) -> Result<Option<Page>, StoreError> {
        self.page(room, viewer, |conn| messages_before(conn, room, before, limit))
    }

    fn history_of_city(
        &self,
        room: RoomId,
        city: CityId,
        before: Option<MessageId>,
        limit: u32,
        viewer: UserId,
    ) -> Result<Option<Page>, StoreError> {
        self.page(room, viewer, |conn| {
            let mut messages: Vec<Message> = conn
                .prepare_cached(&format!(
                    "{MESSAGE_SELECT} WHERE m.room_id = ?1 AND m.id < ?2 AND m.deleted_at IS NULL
                       AND u.city_id = ?4 AND (u.city_privacy = 'city' OR u.id = ?5)
                     ORDER BY m.id DESC LIMIT ?3"
                ))
                .and_then(|mut s| {
                    s.query_map(
                        params![room.0, before.map_or(i64::MAX, |b| b.0), limit, city.0, viewer.0],
                        message_from_row,
                    )?
                    .collect()
                })
                .map_err(internal)?;
            messages.reverse();
            Ok(messages)
        })
    }

    fn history_around(
        &self,
        room: RoomId,
        around: MessageId,
        limit: u32,
        viewer: UserId,
    ) -> Result<Option<Page>, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(internal)?;
        let Some(seq) = room_seq(&tx, room)? else { return Ok(None) };
        let Some(centre) = live_message(&tx, around)?.filter(|m| m.room_id == room) else { return Ok(None) };
        let older = older_in_window(limit);
        let mut messages = messages_before(&tx, room, Some(around), older)?;
        messages.push(centre);
        let newer = limit.saturating_sub(messages.len() as u32);
        messages.extend(messages_after(&tx, room, around, newer)?);
        let messages = with_reactions(&tx, messages, Some(viewer))?;
        tx.commit().map_err(internal)?;
        Ok(Some(Page { messages, seq }))
    }

    fn message(&self, id: MessageId, viewer: Option<UserId>) -> Result<Option<Message>, StoreError> {
        let conn = self.conn()?;
        let Some(message) = live_message(&conn, id)? else { return Ok(None) };
        Ok(with_reactions(&conn, vec![message], viewer)?.pop())
    }

    fn message_author_and_room(&self, id: MessageId) -> Result<Option<(UserId, Room)>, StoreError> {
        let conn = self.conn()?;
        let author: Option<(i64, i64)> = conn
            .prepare_cached("SELECT user_id, room_id FROM messages WHERE id = ?1 AND deleted_at IS NULL")
            .and_then(|mut s| s.query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(internal)?;
        let Some((author, room)) = author else { return Ok(None) };
        Ok(super::rooms::get_room(&conn, RoomId(room))?.map(|room| (UserId(author), room)))
    }

    fn pins(&self, room: RoomId, viewer: UserId) -> Result<Option<Vec<Message>>, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(internal)?;
        if room_seq(&tx, room)?.is_none() {
            return Ok(None);
        }
        let messages = tx
            .prepare_cached(&format!(
                "{MESSAGE_SELECT} WHERE m.room_id = ?1 AND m.pinned_at IS NOT NULL ORDER BY m.pinned_at DESC, m.id DESC"
            ))
            .and_then(|mut s| s.query_map([room.0], message_from_row)?.collect::<Result<Vec<_>, _>>())
            .map_err(internal)?;
        let messages = with_reactions(&tx, messages, Some(viewer))?;
        tx.commit().map_err(internal)?;
        Ok(Some(messages))
    }

    fn reactors(&self, id: MessageId, emoji: &Emoji, limit: u32) -> Result<Option<Reactors>, StoreError> {
        let mut conn = self.conn()?;
        // One read transaction: the count and the names agree even while people react.
        let tx = conn.transaction().map_err(internal)?;
        let live: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM messages WHERE id = ?1 AND deleted_at IS NULL)")
            .and_then(|mut s| s.query_row([id.0], |r| r.get(0)))
            .map_err(internal)?;
        if !live {
            return Ok(None);
        }
        let count: u32 = tx
            .prepare_cached("SELECT count(*) FROM reactions WHERE message_id = ?1 AND emoji = ?2")
            .and_then(|mut s| s.query_row(params![id.0, emoji.as_str()], |r| r.get(0)))
            .map_err(internal)?;
        let users = tx
            .prepare_cached(
                "SELECT u.id, u.username FROM reactions r JOIN users u ON u.id = r.user_id
                 WHERE r.message_id = ?1 AND r.emoji = ?2 ORDER BY r.id LIMIT ?3",
            )
            .and_then(|mut s| {
                s.query_map(params![id.0, emoji.as_str(), limit], |r| {
                    Ok(Author { id: UserId(r.get(0)?), username: Username::from_trusted(r.get(1)?) })
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(internal)?;
        tx.commit().map_err(internal)?;
        Ok(Some(Reactors { emoji: emoji.as_str().to_owned(), count, users }))
    }
}

/// Stores one message of a batch: the row, with its room's next seq, and its entry in the log.
/// A repeated `client_id` of the same author answers with the message stored before.
fn post(tx: &Connection, seqs: &mut Seqs, m: &NewMessage) -> Result<Inserted, StoreError> {
    let client_id = m.client_id.as_ref().map(|c| c.as_str());
    if let Some(client_id) = client_id {
        // Also catches a repeat within this very batch: earlier rows are visible.
        let earlier = tx
            .prepare_cached(&format!("{MESSAGE_SELECT} WHERE m.user_id = ?1 AND m.client_id = ?2"))
            .and_then(|mut s| s.query_row(params![m.user.id.0, client_id], message_from_row).optional())
            .map_err(internal)?;
        if let Some(message) = earlier {
            let message = with_reactions(tx, vec![message], None)?.remove(0);
            return Ok(Inserted { message, fresh: false });
        }
    }
    let seq = seqs.next(tx, m.room_id)?;
    let mentions = resolve_mentions(tx, &m.mention_keys)?;
    tx.prepare_cached(
        "INSERT INTO messages (room_id, user_id, content, client_id, seq, created_at, reply_to_id, mentions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut s| {
        s.execute(params![
            m.room_id.0,
            m.user.id.0,
            m.content.as_str(),
            client_id,
            seq,
            micros(m.created_at),
            m.reply_to.as_ref().map(|r| r.id().0),
            mentions_column(&mentions),
        ])
    })
    .map_err(|e| write_error(e, Conflict::RoomName))?;
    let id = tx.last_insert_rowid();
    tx.prepare_cached(
        "INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at)
         VALUES (?1, ?2, 'message_created', ?3, NULL, ?4)",
    )
    .and_then(|mut s| s.execute(params![m.room_id.0, seq, id, micros(m.created_at)]))
    .map_err(internal)?;
    let message = m.stored(MessageId(id), seq, mentions);
    Ok(Inserted { message, fresh: true })
}

/// Makes one change of a batch and logs it with its room's next seq.
fn change_message(
    tx: &Connection,
    seqs: &mut Seqs,
    id: MessageId,
    change: &MessageChange,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<ChangeOutcome, StoreError> {
    let found: Option<(i64, bool)> = tx
        .prepare_cached("SELECT room_id, pinned_at IS NOT NULL FROM messages WHERE id = ?1 AND deleted_at IS NULL")
        .and_then(|mut s| s.query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(internal)?;
    let Some((room, pinned)) = found else { return Ok(ChangeOutcome::NotFound) };
    let room = RoomId(room);
    let t = micros(now);
    let exec = |sql: &str, values: &[&dyn rusqlite::ToSql]| -> Result<usize, StoreError> {
        tx.prepare_cached(sql).and_then(|mut s| s.execute(values)).map_err(internal)
    };
    // What the change is, once made; `None` when there was nothing to change.
    let change = match change {
        MessageChange::Edit { content, mention_keys } => {
            let mentions = mentions_column(&resolve_mentions(tx, mention_keys)?);
            exec(
                "UPDATE messages SET content = ?2, edited_at = ?3, mentions = ?4 WHERE id = ?1",
                &[&id.0, &content.as_str(), &t, &mentions],
            )?;
            Some(Change::MessageUpdated { message: reread(tx, id)? })
        }
        MessageChange::Pin(pin) if *pin == pinned => None,
        MessageChange::Pin(pin) => {
            exec("UPDATE messages SET pinned_at = ?2 WHERE id = ?1", &[&id.0, &pin.then_some(t)])?;
            Some(Change::MessageUpdated { message: reread(tx, id)? })
        }
        MessageChange::Delete => {
            exec(
                "UPDATE messages SET content = '', deleted_at = ?2, mentions = NULL, pinned_at = NULL WHERE id = ?1",
                &[&id.0, &t],
            )?;
            exec("DELETE FROM reactions WHERE message_id = ?1", &[&id.0])?;
            Some(Change::MessageDeleted { message_id: id })
        }
        MessageChange::AddReaction { emoji } => {
            let (distinct, has_emoji, mine): (i64, bool, bool) = tx
                .prepare_cached(
                    "SELECT count(DISTINCT emoji), coalesce(max(emoji = ?2), 0),
                            coalesce(max(emoji = ?2 AND user_id = ?3), 0)
                     FROM reactions WHERE message_id = ?1",
                )
                .and_then(|mut s| {
                    s.query_row(params![id.0, emoji.as_str(), by.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                })
                .map_err(internal)?;
            if mine {
                None
            } else if !has_emoji && distinct >= MAX_REACTION_EMOJI {
                return Ok(ChangeOutcome::TooManyReactions);
            } else {
                exec(
                    "INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                    &[&id.0, &emoji.as_str(), &by.0, &t],
                )?;
                Some(Change::ReactionAdded { message_id: id, emoji: emoji.as_str().to_owned(), user_id: by })
            }
        }
        MessageChange::RemoveReaction { emoji } => {
            let removed = exec(
                "DELETE FROM reactions WHERE message_id = ?1 AND emoji = ?2 AND user_id = ?3",
                &[&id.0, &emoji.as_str(), &by.0],
            )?;
            (removed > 0).then(|| Change::ReactionRemoved {
                message_id: id,
                emoji: emoji.as_str().to_owned(),
                user_id: by,
            })
        }
    };
    let Some(change) = change else { return Ok(ChangeOutcome::Unchanged) };
    let seq = seqs.next(tx, room)?;
    let event = RoomEvent { room_id: room, seq, change };
    log_event(tx, &event, now)?;
    Ok(ChangeOutcome::Logged(Box::new(event)))
}

/// A message that is not deleted, without its reactions.
fn live_message(conn: &Connection, id: MessageId) -> Result<Option<Message>, StoreError> {
    conn.prepare_cached(&format!("{MESSAGE_SELECT} WHERE m.id = ?1 AND m.deleted_at IS NULL"))
        .and_then(|mut s| s.query_row([id.0], message_from_row).optional())
        .map_err(internal)
}

/// A message as just changed, with its reactions (`me` for nobody: the change goes to a room).
fn reread(conn: &Connection, id: MessageId) -> Result<Message, StoreError> {
    let message = live_message(conn, id)?.ok_or(StoreError::NotFound)?;
    Ok(with_reactions(conn, vec![message], None)?.remove(0))
}

/// The ids of the users `keys` (case-folded usernames) name, in their order; unknown ones are
/// no mention.
fn resolve_mentions(conn: &Connection, keys: &[String]) -> Result<Vec<UserId>, StoreError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT id FROM users WHERE username_key = ?1").map_err(internal)?;
    let mut found = Vec::new();
    for key in keys {
        if let Some(id) = stmt.query_row([key], |r| r.get(0)).optional().map_err(internal)? {
            let id = UserId(id);
            if !found.contains(&id) {
                found.push(id);
            }
        }
    }
    Ok(found)
}

/// `messages` with their reactions, `me` said for `viewer`.
pub(super) fn with_reactions(
    conn: &Connection,
    mut messages: Vec<Message>,
    viewer: Option<UserId>,
) -> Result<Vec<Message>, StoreError> {
    if messages.is_empty() {
        return Ok(messages);
    }
    let ids = serde_json::to_string(&messages.iter().map(|m| m.id.0).collect::<Vec<_>>())
        .map_err(|e| StoreError::Internal(Box::new(e)))?;
    let rows = conn
        .prepare_cached(
            "SELECT message_id, emoji, count(*), coalesce(max(user_id = ?2), 0), min(id) AS first
             FROM reactions WHERE message_id IN (SELECT value FROM json_each(?1))
             GROUP BY message_id, emoji ORDER BY message_id, first",
        )
        .and_then(|mut s| {
            s.query_map(params![ids, viewer.map(|v| v.0)], |r| {
                Ok(ReactionRow {
                    message_id: MessageId(r.get(0)?),
                    reaction: Reaction { emoji: r.get(1)?, count: r.get(2)?, me: r.get(3)? },
                })
            })?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(internal)?;
    attach_reactions(&mut messages, rows);
    Ok(messages)
}

fn messages_before(
    conn: &Connection,
    room: RoomId,
    before: Option<MessageId>,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = ?1 AND m.id < ?2 AND m.deleted_at IS NULL ORDER BY m.id DESC LIMIT ?3"
        ))
        .map_err(internal)?;
    let mut messages: Vec<Message> = stmt
        .query_map(params![room.0, before.map_or(i64::MAX, |b| b.0), limit], message_from_row)
        .and_then(|rows| rows.collect())
        .map_err(internal)?;
    messages.reverse();
    Ok(messages)
}

/// The oldest `limit` messages of a room with id above `after`, oldest first.
fn messages_after(conn: &Connection, room: RoomId, after: MessageId, limit: u32) -> Result<Vec<Message>, StoreError> {
    conn.prepare_cached(&format!(
        "{MESSAGE_SELECT} WHERE m.room_id = ?1 AND m.id > ?2 AND m.deleted_at IS NULL ORDER BY m.id LIMIT ?3"
    ))
    .and_then(|mut s| s.query_map(params![room.0, after.0, limit], message_from_row)?.collect())
    .map_err(internal)
}
