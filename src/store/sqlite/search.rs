//! Message search in SQLite: `SearchStore` over the FTS5 index `message_search` (migration
//! 007), and `discock_search_terms`, the SQL function its triggers index messages with.

use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection, OptionalExtension};

use super::messages::with_reactions;
use super::rows::{internal, message_from_row, MESSAGE_SELECT};
use super::SqliteStore;
use crate::domain::{Message, UserId};
use crate::search::{highlight, terms, Highlight, SearchQuery};
use crate::store::{SearchStore, StoreError};

/// Registers `discock_search_terms(text)`, the terms of a text separated by spaces
/// ([`terms::terms_line`]; NULL for NULL), on a connection. The index's triggers call it, so
/// every connection that writes messages needs it: the store's own pool registers it as each
/// connection opens; register it on any other (a tool, a benchmark's bulk load) before writing.
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "discock_search_terms",
        1,
        // Innocuous: triggers may call it even where the schema is not trusted.
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|text| terms::terms_line(&text))),
    )
}

/// The ids of the newest matching messages, below an id, newest first. FTS5 walks the index
/// in descending rowid (= message id) order and stops at the limit, so a common word costs no
/// more than a rare one. Who sees which room is the condition on `r`: every public room, and
/// the caller's own direct conversations (`?4`).
const FIND: &str = "SELECT message_search.rowid FROM message_search
     JOIN messages m ON m.id = message_search.rowid
     JOIN rooms r ON r.id = m.room_id
     WHERE message_search MATCH ?1 AND message_search.rowid < ?2
       AND (r.dm_a IS NULL OR r.dm_a = ?4 OR r.dm_b = ?4)
     ORDER BY message_search.rowid DESC LIMIT ?3";

impl SearchStore for SqliteStore {
    fn search(&self, query: &SearchQuery, viewer: UserId) -> Result<Vec<(Message, Highlight)>, StoreError> {
        let mut conn = self.conn()?;
        // One read transaction: under WAL the ids found and the rows read are one snapshot.
        let tx = conn.transaction().map_err(internal)?;
        let Some(expression) = match_expression(&tx, query)? else { return Ok(Vec::new()) };
        let before = query.before.map_or(i64::MAX, |b| b.0);
        let ids: Vec<i64> = tx
            .prepare_cached(FIND)
            .and_then(|mut find| {
                find.query_map(params![expression, before, query.limit, viewer.0], |r| r.get(0))?.collect()
            })
            .map_err(internal)?;
        let mut messages = Vec::with_capacity(ids.len());
        {
            let mut load = tx.prepare_cached(&format!("{MESSAGE_SELECT} WHERE m.id = ?1")).map_err(internal)?;
            for id in ids {
                if let Some(message) = load.query_row([id], message_from_row).optional().map_err(internal)? {
                    messages.push(message);
                }
            }
        }
        let messages = with_reactions(&tx, messages, Some(viewer))?;
        tx.commit().map_err(internal)?;
        Ok(messages
            .into_iter()
            .map(|message| {
                let excerpt = highlight(&message.content, query);
                (message, excerpt)
            })
            .collect())
    }
}

/// The FTS5 query for `query`: each phrase's terms as a phrase in the `terms` column, the
/// author and the rooms as tokens of their columns, all required. `None` when `from:` or `in:`
/// names no one, or nothing is asked: nothing can match.
fn match_expression(conn: &Connection, query: &SearchQuery) -> Result<Option<String>, StoreError> {
    let mut parts: Vec<String> =
        query.phrases.iter().map(|phrase| format!("terms : {}", quoted(&phrase.terms.join(" ")))).collect();
    if let Some(username) = &query.from {
        let Some(user) = id_by_key(conn, "SELECT id FROM users WHERE username_key = ?1", username)? else {
            return Ok(None);
        };
        parts.push(format!("author : u{user}"));
    }
    if let Some(name) = &query.room_name {
        let Some(room) = id_by_key(conn, "SELECT id FROM rooms WHERE name_key = ?1", name)? else {
            return Ok(None);
        };
        parts.push(format!("room : r{room}"));
    }
    if let Some(room) = query.room_id {
        parts.push(format!("room : r{room}"));
    }
    Ok((!parts.is_empty()).then(|| parts.join(" AND ")))
}

fn id_by_key(conn: &Connection, sql: &str, key: &str) -> Result<Option<i64>, StoreError> {
    conn.prepare_cached(sql).and_then(|mut s| s.query_row([key], |r| r.get(0)).optional()).map_err(internal)
}

/// An FTS5 string: in double quotes, inner ones doubled. Its words form a phrase.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}
