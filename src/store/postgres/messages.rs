//! Messages and history in PostgreSQL: `MessageStore` (its writer's batches are `batch`'s, the
//! changes to posted messages `changes`'), reading history, pins and reactions.

use std::collections::HashMap;

use postgres::GenericClient;

use super::connect::internal;
use super::pool::{Params, PgConn, Prepared};
use super::rows::{
    message_columns, message_from_row, message_from_row_at, message_select, room_columns, room_from_row, rows,
    ROOM_COLUMN_COUNT,
};
use super::PostgresStore;
use crate::cities::CityId;
use crate::domain::{Author, Message, MessageId, Reaction, Reactors, Room, RoomId, UserId, Username};
use crate::emoji::Emoji;
use crate::store::{attach_reactions, older_in_window, MessageStore, Page, ReactionRow, StoreError, Write, Written};

impl MessageStore for PostgresStore {
    fn write(&self, batch: &[Write]) -> Result<Vec<Written>, StoreError> {
        super::batch::write(self, batch)
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

    fn message_author_and_room(&self, id: MessageId) -> Result<Option<(UserId, Room)>, StoreError> {
        const SQL: &str = concat!(
            "WITH m AS (SELECT room_id, user_id FROM messages WHERE id = $1 AND deleted_at IS NULL) SELECT ",
            room_columns!(),
            ", (SELECT user_id FROM m) FROM rooms WHERE id = (SELECT room_id FROM m)"
        );
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let Some(row) = prepared.query_opt(client, SQL, &[&id.0]).map_err(internal)? else { return Ok(None) };
        let author: i64 = row.try_get(ROOM_COLUMN_COUNT).map_err(internal)?;
        Ok(Some((UserId(author), room_from_row(&row).map_err(internal)?)))
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

/// The users whose case-folded usernames are among `keys`, by key.
pub(super) fn users_by_key(
    c: &mut impl GenericClient,
    prepared: &mut Prepared,
    keys: &[&str],
) -> Result<HashMap<String, UserId>, postgres::Error> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let found = prepared.query(c, "SELECT id, username_key FROM users WHERE username_key = ANY($1)", &[&keys])?;
    found.iter().map(|row| Ok((row.try_get(1)?, UserId(row.try_get(0)?)))).collect()
}

/// The users `keys` name among `found`, in the keys' order, each once.
pub(super) fn mentioned(keys: &[impl AsRef<str>], found: &HashMap<String, UserId>) -> Vec<UserId> {
    let mut ids = Vec::new();
    for id in keys.iter().filter_map(|key| found.get(key.as_ref())) {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    ids
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
