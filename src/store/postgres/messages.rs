//! Messages and history in PostgreSQL: `MessageStore`, with the batch insert that numbers each
//! room's messages under row locks shared by every instance, and the changes to posted
//! messages (edits, deletions, reactions, pins).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use postgres::GenericClient;

use super::connect::{constraint, internal, write_error, CLIENT_ID_UNIQUE};
use super::events::log_event;
use super::pool::{Params, PgConn, Prepared};
use super::rows::{message_columns, message_from_row, message_from_row_at, message_select, rows};
use super::PostgresStore;
use crate::cities::CityId;
use crate::domain::{Author, ClientId, Message, MessageId, Reaction, Reactors, RoomId, UserId, Username};
use crate::emoji::Emoji;
use crate::events::{Change, RoomEvent};
use crate::store::{
    attach_reactions, mentions_column, older_in_window, ChangeOutcome, Conflict, Inserted, MessageChange, MessageStore,
    Page, ReactionRow, StoreError, Write, Written, MAX_REACTION_EMOJI,
};

/// Why one attempt at a batch failed.
enum BatchError {
    Db(postgres::Error),
    /// A message's room does not exist.
    MissingRoom,
    /// A change failed.
    Store(StoreError),
}

impl From<postgres::Error> for BatchError {
    fn from(e: postgres::Error) -> Self {
        BatchError::Db(e)
    }
}

/// One transaction committing a batch; see [`MessageStore::write`].
fn write_batch(conn: &mut PgConn, batch: &[Write]) -> Result<Vec<Written>, BatchError> {
    const ROOMS_OF: &str = "SELECT DISTINCT room_id FROM messages WHERE id = ANY($1)";
    const LOCK_ROOMS: &str = "SELECT id FROM rooms WHERE id = ANY($1) ORDER BY id FOR UPDATE";
    const BY_CLIENT_ID: &str = concat!(message_select!(), " WHERE m.user_id = $1 AND m.client_id = $2");
    // The room's next seq, the row and its entry in the log in one round trip; no room, no row.
    const INSERT: &str = "WITH next AS (UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq),
              stored AS (INSERT INTO messages (room_id, user_id, content, client_id, seq, created_at, reply_to_id, mentions)
                         SELECT $1::BIGINT, $2::BIGINT, $3::TEXT, $4::TEXT, next.last_seq, $5::TIMESTAMPTZ,
                                $6::BIGINT, $7::TEXT FROM next
                         RETURNING id, seq)
         INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at)
         SELECT $1::BIGINT, stored.seq, 'message_created', stored.id, NULL, $5::TIMESTAMPTZ FROM stored
         RETURNING message_id, seq";

    let (client, prepared) = conn.split();
    let mut tx = client.transaction()?;
    // Lock the batch's rooms in ascending id order before anything else: two instances
    // committing batches over the same rooms then queue instead of deadlocking, and a room's
    // seqs and ids grow together across instances.
    // A message's room never changes, so the rooms of the messages to change can be read first.
    let mut room_ids: Vec<i64> = batch
        .iter()
        .filter_map(|w| match w {
            Write::Post(m) => Some(m.room_id.0),
            Write::Change { .. } | Write::MarkRead { .. } => None,
        })
        .collect();
    let changed: Vec<i64> = batch
        .iter()
        .filter_map(|w| match w {
            Write::Change { id, .. } => Some(id.0),
            Write::Post(_) | Write::MarkRead { .. } => None,
        })
        .collect();
    if !changed.is_empty() {
        for row in prepared.query(&mut tx, ROOMS_OF, &[&changed])? {
            room_ids.push(row.try_get(0)?);
        }
    }
    room_ids.sort_unstable();
    room_ids.dedup();
    let locked: HashSet<i64> =
        prepared.query(&mut tx, LOCK_ROOMS, &[&room_ids])?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;

    let mut out = Vec::with_capacity(batch.len());
    for write in batch {
        let m = match write {
            Write::Post(m) => m,
            Write::Change { id, change, by, at } => {
                let outcome = change_message(&mut tx, prepared, *id, change, *by, *at).map_err(BatchError::Store)?;
                out.push(Written::Changed(outcome));
                continue;
            }
            // A marker is the user's own row: no room's seq, no lock.
            Write::MarkRead { user, room, message, at, counted } => {
                let outcome = super::reads::mark(&mut tx, prepared, *user, *room, *message, *at, *counted)
                    .map_err(BatchError::Store)?;
                out.push(Written::Read(outcome));
                continue;
            }
        };
        let client_id = m.client_id.as_ref().map(ClientId::as_str);
        if let Some(client_id) = client_id {
            // Also catches a repeat within this very batch: earlier rows are visible.
            if let Some(row) = prepared.query_opt(&mut tx, BY_CLIENT_ID, &[&m.user.id.0, &client_id])? {
                let message = message_from_row(&row)?;
                let message = with_reactions(&mut tx, prepared, vec![message], None)?.remove(0);
                out.push(Written::Posted(Inserted { message, fresh: false }));
                continue;
            }
        }
        if !locked.contains(&m.room_id.0) {
            return Err(BatchError::MissingRoom);
        }
        let mentions = resolve_mentions(&mut tx, prepared, &m.mention_keys)?;
        let row = prepared
            .query_opt(
                &mut tx,
                INSERT,
                &[
                    &m.room_id.0,
                    &m.user.id.0,
                    &m.content.as_str(),
                    &client_id,
                    &m.created_at,
                    &m.reply_to.as_ref().map(|r| r.id().0),
                    &mentions_column(&mentions),
                ],
            )?
            .ok_or(BatchError::MissingRoom)?;
        let mut message = Message::posted(
            MessageId(row.try_get(0)?),
            m.room_id,
            m.user.clone(),
            m.content.as_str().to_owned(),
            m.created_at,
            client_id.map(str::to_owned),
            row.try_get(1)?,
        );
        message.reply_to = m.reply_to.clone();
        message.mentions = mentions;
        out.push(Written::Posted(Inserted { message, fresh: true }));
    }
    tx.commit()?;
    Ok(out)
}

impl MessageStore for PostgresStore {
    fn write(&self, batch: &[Write]) -> Result<Vec<Written>, StoreError> {
        let mut conn = self.connection()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match write_batch(&mut conn, batch) {
                Ok(written) => return Ok(written),
                Err(BatchError::MissingRoom) => return Err(StoreError::NotFound),
                Err(BatchError::Store(e)) => return Err(e),
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
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let messages = messages_before(client, prepared, room, before, limit)?;
        with_reactions(client, prepared, messages, None).map_err(internal)
    }

    fn history(
        &self,
        room: RoomId,
        before: Option<MessageId>,
        limit: u32,
        viewer: UserId,
    ) -> Result<Option<Page>, StoreError> {
        // One statement, so one snapshot: the page and the seq agree even while messages are
        // being committed. The room row comes back once even when the page is empty.
        const SQL: &str = concat!(
            "SELECT r0.last_seq, page.* FROM rooms r0 LEFT JOIN LATERAL (",
            message_select!(),
            " WHERE m.room_id = r0.id AND m.id < $2 AND m.deleted_at IS NULL ORDER BY m.id DESC LIMIT $3) page ON TRUE
             WHERE r0.id = $1"
        );
        let mut conn = self.connection()?;
        let before = before.map_or(i64::MAX, |b| b.0);
        page(&mut conn, SQL, &[&room.0, &before, &i64::from(limit)], viewer)
    }

    fn history_of_city(
        &self,
        room: RoomId,
        city: CityId,
        before: Option<MessageId>,
        limit: u32,
        viewer: UserId,
    ) -> Result<Option<Page>, StoreError> {
        // As `history`: one statement, so the page and the seq agree.
        const SQL: &str = concat!(
            "SELECT r0.last_seq, page.* FROM rooms r0 LEFT JOIN LATERAL (",
            message_select!(),
            " WHERE m.room_id = r0.id AND m.id < $2 AND m.deleted_at IS NULL
                AND u.city_id = $4 AND (u.city_privacy = 'city' OR u.id = $5)
              ORDER BY m.id DESC LIMIT $3) page ON TRUE
             WHERE r0.id = $1"
        );
        let city = super::rooms::city_column(city);
        let mut conn = self.connection()?;
        let before = before.map_or(i64::MAX, |b| b.0);
        page(&mut conn, SQL, &[&room.0, &before, &i64::from(limit), &city, &viewer.0], viewer)
    }

    fn history_around(
        &self,
        room: RoomId,
        around: MessageId,
        limit: u32,
        viewer: UserId,
    ) -> Result<Option<Page>, StoreError> {
        const AFTER: &str = concat!(
            message_select!(),
            " WHERE m.room_id = $1 AND m.id > $2 AND m.deleted_at IS NULL ORDER BY m.id LIMIT $3"
        );
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let mut tx = snapshot(client)?;
        let Some(seq) = room_seq(&mut tx, prepared, room)? else { return Ok(None) };
        let Some(centre) = live_message(&mut tx, prepared, around)?.filter(|m| m.room_id == room) else {
            return Ok(None);
        };
        let mut messages = messages_before(&mut tx, prepared, room, Some(around), older_in_window(limit))?;
        messages.push(centre);
        let newer = i64::from(limit.saturating_sub(messages.len() as u32));
        messages.extend(rows(
            prepared.query(&mut tx, AFTER, &[&room.0, &around.0, &newer]).map_err(internal)?,
            message_from_row,
        )?);
        let messages = with_reactions(&mut tx, prepared, messages, Some(viewer)).map_err(internal)?;
        tx.commit().map_err(internal)?;
        Ok(Some(Page { messages, seq }))
    }

    fn message(&self, id: MessageId, viewer: Option<UserId>) -> Result<Option<Message>, StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let Some(message) = live_message(client, prepared, id)? else { return Ok(None) };
        Ok(with_reactions(client, prepared, vec![message], viewer).map_err(internal)?.pop())
    }

    fn pins(&self, room: RoomId, viewer: UserId) -> Result<Option<Vec<Message>>, StoreError> {
        const SQL: &str = concat!(
            message_select!(),
            " WHERE m.room_id = $1 AND m.pinned_at IS NOT NULL ORDER BY m.pinned_at DESC, m.id DESC"
        );
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let mut tx = snapshot(client)?;
        if room_seq(&mut tx, prepared, room)?.is_none() {
            return Ok(None);
        }
        let messages = rows(prepared.query(&mut tx, SQL, &[&room.0]).map_err(internal)?, message_from_row)?;
        let messages = with_reactions(&mut tx, prepared, messages, Some(viewer)).map_err(internal)?;
        tx.commit().map_err(internal)?;
        Ok(Some(messages))
    }

    fn reactors(&self, id: MessageId, emoji: &Emoji, limit: u32) -> Result<Option<Reactors>, StoreError> {
        const USERS: &str = "SELECT u.id, u.username FROM reactions r JOIN users u ON u.id = r.user_id
             WHERE r.message_id = $1 AND r.emoji = $2 ORDER BY r.id LIMIT $3";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        // One snapshot: the count and the names agree even while people react.
        let mut tx = snapshot(client)?;
        let live = prepared
            .query_opt(&mut tx, "SELECT 1 FROM messages WHERE id = $1 AND deleted_at IS NULL", &[&id.0])
            .map_err(internal)?
            .is_some();
        if !live {
            return Ok(None);
        }
        let count: i64 = prepared
            .query_one(
                &mut tx,
                "SELECT count(*) FROM reactions WHERE message_id = $1 AND emoji = $2",
                &[&id.0, &emoji.as_str()],
            )
            .and_then(|r| r.try_get(0))
            .map_err(internal)?;
        let mut users = Vec::new();
        for row in prepared.query(&mut tx, USERS, &[&id.0, &emoji.as_str(), &i64::from(limit)]).map_err(internal)? {
            users.push(Author {
                id: UserId(row.try_get(0).map_err(internal)?),
                username: Username::from_trusted(row.try_get(1).map_err(internal)?),
            });
        }
        tx.commit().map_err(internal)?;
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        Ok(Some(Reactors { emoji: emoji.as_str().to_owned(), count, users }))
    }
}

/// Makes one change of a batch and logs it with its room's next seq. The batch holds the room's
/// lock already; the message's row lock orders changes to one message.
fn change_message(
    tx: &mut impl GenericClient,
    prepared: &mut Prepared,
    id: MessageId,
    change: &MessageChange,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<ChangeOutcome, StoreError> {
    let row = prepared
        .query_opt(
            tx,
            "SELECT room_id, pinned_at IS NOT NULL FROM messages WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
            &[&id.0],
        )
        .map_err(internal)?;
    let Some(row) = row else { return Ok(ChangeOutcome::NotFound) };
    let room = RoomId(row.try_get(0).map_err(internal)?);
    let pinned: bool = row.try_get(1).map_err(internal)?;
    let change = match change {
        MessageChange::Edit { content, mention_keys } => {
            let mentions = mentions_column(&resolve_mentions(tx, prepared, mention_keys).map_err(internal)?);
            prepared
                .execute(
                    tx,
                    "UPDATE messages SET content = $2, edited_at = $3, mentions = $4 WHERE id = $1",
                    &[&id.0, &content.as_str(), &now, &mentions],
                )
                .map_err(internal)?;
            Some(Change::MessageUpdated { message: reread(tx, prepared, id)? })
        }
        MessageChange::Pin(pin) if *pin == pinned => None,
        MessageChange::Pin(pin) => {
            prepared
                .execute(tx, "UPDATE messages SET pinned_at = $2 WHERE id = $1", &[&id.0, &pin.then_some(now)])
                .map_err(internal)?;
            Some(Change::MessageUpdated { message: reread(tx, prepared, id)? })
        }
        MessageChange::Delete => {
            prepared
                .execute(
                    tx,
                    "UPDATE messages SET content = '', deleted_at = $2, mentions = NULL, pinned_at = NULL WHERE id = $1",
                    &[&id.0, &now],
                )
                .map_err(internal)?;
            prepared.execute(tx, "DELETE FROM reactions WHERE message_id = $1", &[&id.0]).map_err(internal)?;
            Some(Change::MessageDeleted { message_id: id })
        }
        MessageChange::AddReaction { emoji } => {
            let row = prepared
                .query_one(
                    tx,
                    "SELECT count(DISTINCT emoji), coalesce(bool_or(emoji = $2), false),
                            coalesce(bool_or(emoji = $2 AND user_id = $3), false)
                     FROM reactions WHERE message_id = $1",
                    &[&id.0, &emoji.as_str(), &by.0],
                )
                .map_err(internal)?;
            let distinct: i64 = row.try_get(0).map_err(internal)?;
            let has_emoji: bool = row.try_get(1).map_err(internal)?;
            if row.try_get::<_, bool>(2).map_err(internal)? {
                None
            } else if !has_emoji && distinct >= MAX_REACTION_EMOJI {
                return Ok(ChangeOutcome::TooManyReactions);
            } else {
                prepared
                    .execute(
                        tx,
                        "INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES ($1, $2, $3, $4)",
                        &[&id.0, &emoji.as_str(), &by.0, &now],
                    )
                    .map_err(internal)?;
                Some(Change::ReactionAdded { message_id: id, emoji: emoji.as_str().to_owned(), user_id: by })
            }
        }
        MessageChange::RemoveReaction { emoji } => {
            let removed = prepared
                .execute(
                    tx,
                    "DELETE FROM reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3",
                    &[&id.0, &emoji.as_str(), &by.0],
                )
                .map_err(internal)?;
            (removed > 0).then(|| Change::ReactionRemoved {
                message_id: id,
                emoji: emoji.as_str().to_owned(),
                user_id: by,
            })
        }
    };
    let Some(change) = change else { return Ok(ChangeOutcome::Unchanged) };
    let seq: i64 = prepared
        .query_one(tx, "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq", &[&room.0])
        .and_then(|r| r.try_get(0))
        .map_err(internal)?;
    let event = RoomEvent { room_id: room, seq, change };
    log_event(tx, prepared, &event, now)?;
    Ok(ChangeOutcome::Logged(Box::new(event)))
}

/// Runs a page query of `history`'s shape — the room's seq, then a message per row, newest
/// first; one row without a message for an empty page, none for no such room — and reads the
/// page's reactions in the same snapshot.
fn page(conn: &mut PgConn, sql: &'static str, params: Params, viewer: UserId) -> Result<Option<Page>, StoreError> {
    let (client, prepared) = conn.split();
    let mut tx = snapshot(client)?;
    let found = prepared.query(&mut tx, sql, params).map_err(internal)?;
    let Some(first) = found.first() else { return Ok(None) };
    let seq: i64 = first.try_get(0).map_err(internal)?;
    let mut messages = Vec::with_capacity(found.len());
    for row in &found {
        if row.try_get::<_, Option<i64>>(1).map_err(internal)?.is_some() {
            messages.push(message_from_row_at(row, 1).map_err(internal)?);
        }
    }
    messages.reverse();
    let messages = with_reactions(&mut tx, prepared, messages, Some(viewer)).map_err(internal)?;
    tx.commit().map_err(internal)?;
    Ok(Some(Page { messages, seq }))
}

/// A read-only transaction whose reads all see one snapshot, so a page, the room's seq and the
/// page's reactions (or a read state's markers and counts) agree while messages are being
/// committed.
pub(super) fn snapshot(client: &mut postgres::Client) -> Result<postgres::Transaction<'_>, StoreError> {
    client
        .build_transaction()
        .read_only(true)
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .map_err(internal)
}

fn room_seq(c: &mut impl GenericClient, prepared: &mut Prepared, room: RoomId) -> Result<Option<i64>, StoreError> {
    prepared
        .query_opt(c, "SELECT last_seq FROM rooms WHERE id = $1", &[&room.0])
        .and_then(|row| row.map(|r| r.try_get(0)).transpose())
        .map_err(internal)
}

/// The newest `limit` messages of a room with id below `before`, oldest first, without reactions.
fn messages_before(
    c: &mut impl GenericClient,
    prepared: &mut Prepared,
    room: RoomId,
    before: Option<MessageId>,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    const SQL: &str = concat!(
        message_select!(),
        " WHERE m.room_id = $1 AND m.id < $2 AND m.deleted_at IS NULL ORDER BY m.id DESC LIMIT $3"
    );
    let before = before.map_or(i64::MAX, |b| b.0);
    let mut messages =
        rows(prepared.query(c, SQL, &[&room.0, &before, &i64::from(limit)]).map_err(internal)?, message_from_row)?;
    messages.reverse();
    Ok(messages)
}

/// A message that is not deleted, without its reactions.
fn live_message(
    c: &mut impl GenericClient,
    prepared: &mut Prepared,
    id: MessageId,
) -> Result<Option<Message>, StoreError> {
    const SQL: &str = concat!(message_select!(), " WHERE m.id = $1 AND m.deleted_at IS NULL");
    prepared
        .query_opt(c, SQL, &[&id.0])
        .and_then(|row| row.as_ref().map(message_from_row).transpose())
        .map_err(internal)
}

/// A message as just changed, with its reactions (`me` for nobody: the change goes to a room).
fn reread(c: &mut impl GenericClient, prepared: &mut Prepared, id: MessageId) -> Result<Message, StoreError> {
    let message = live_message(c, prepared, id)?.ok_or(StoreError::NotFound)?;
    Ok(with_reactions(c, prepared, vec![message], None).map_err(internal)?.remove(0))
}

/// The ids of the users `keys` (case-folded usernames) name, in their order.
fn resolve_mentions(
    c: &mut impl GenericClient,
    prepared: &mut Prepared,
    keys: &[String],
) -> Result<Vec<UserId>, postgres::Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let found = prepared.query(c, "SELECT id, username_key FROM users WHERE username_key = ANY($1)", &[&keys])?;
    let mut ids = Vec::new();
    for key in keys {
        for row in &found {
            if row.try_get::<_, &str>(1)? == key {
                let id = UserId(row.try_get(0)?);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    Ok(ids)
}

/// `messages` with their reactions, `me` said for `viewer`.
pub(super) fn with_reactions(
    c: &mut impl GenericClient,
    prepared: &mut Prepared,
    mut messages: Vec<Message>,
    viewer: Option<UserId>,
) -> Result<Vec<Message>, postgres::Error> {
    if messages.is_empty() {
        return Ok(messages);
    }
    let ids: Vec<i64> = messages.iter().map(|m| m.id.0).collect();
    let found = prepared.query(
        c,
        "SELECT message_id, emoji, count(*), coalesce(bool_or(user_id = $2), false), min(id) AS first
         FROM reactions WHERE message_id = ANY($1)
         GROUP BY message_id, emoji ORDER BY message_id, first",
        &[&ids, &viewer.map(|v| v.0)],
    )?;
    let mut reactions = Vec::with_capacity(found.len());
    for r in &found {
        reactions.push(ReactionRow {
            message_id: MessageId(r.try_get(0)?),
            reaction: Reaction {
                emoji: r.try_get(1)?,
                count: u32::try_from(r.try_get::<_, i64>(2)?).unwrap_or(u32::MAX),
                me: r.try_get(3)?,
            },
        });
    }
    attach_reactions(&mut messages, reactions);
    Ok(messages)
}
