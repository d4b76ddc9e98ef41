//! Changes to posted messages in PostgreSQL (edits, deletions, reactions, pins): all the changes
//! a batch makes at one point go to the database in one call of `discock_change_messages` (a
//! function of the schema, see migration 017), which makes them one after the other under the
//! rooms' locks the batch holds; the messages edited or pinned are then read back together.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use postgres::GenericClient;

use super::connect::internal;
use super::messages::{mentioned, users_by_key, with_reactions};
use super::pool::Prepared;
use super::rows::{message_columns, message_from_row, message_select};
use crate::domain::{MessageId, RoomId, UserId};
use crate::events::{Change, RoomEvent};
use crate::store::{event_columns, mentions_column, ChangeOutcome, MessageChange, StoreError, MAX_REACTION_EMOJI};

/// One change of a batch.
pub(super) struct ChangeRequest<'a> {
    pub(super) id: MessageId,
    pub(super) change: &'a MessageChange,
    pub(super) by: UserId,
    pub(super) at: DateTime<Utc>,
}

impl ChangeRequest<'_> {
    /// Whether the change's event carries the message as changed, read back after the change.
    pub(super) fn reads_back(&self) -> bool {
        matches!(self.change, MessageChange::Edit { .. } | MessageChange::Pin(_))
    }
}

/// Makes `changes` in order, each logged with its room's next seq when it changed something.
/// The caller holds the rooms' locks, and must not put a change after an edit or a pin of the
/// same message into one call: that message is read back once, after all of them.
pub(super) fn change_all(
    tx: &mut impl GenericClient,
    prepared: &mut Prepared,
    changes: &[ChangeRequest<'_>],
) -> Result<Vec<ChangeOutcome>, StoreError> {
    const CHANGE_ALL: &str = "SELECT ord, outcome, room_id, seq
         FROM discock_change_messages($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    const READ_BACK: &str = concat!(message_select!(), " WHERE m.id = ANY($1) AND m.deleted_at IS NULL");

    let mut keys: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c.change {
            MessageChange::Edit { mention_keys, .. } => Some(mention_keys.iter().map(String::as_str)),
            _ => None,
        })
        .flatten()
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let users = users_by_key(tx, prepared, &keys).map_err(internal)?;

    let n = changes.len();
    let (mut kinds, mut texts, mut mentions) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut logged, mut log_kinds, mut log_messages, mut log_data) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for c in changes {
        let reaction = |emoji: &crate::emoji::Emoji| (c.id, emoji.as_str().to_owned(), c.by);
        let (kind, text, mention, change): (&str, Option<String>, Option<String>, Option<Change>) = match c.change {
            MessageChange::Edit { content, mention_keys } => {
                ("edit", Some(content.as_str().to_owned()), mentions_column(&mentioned(mention_keys, &users)), None)
            }
            MessageChange::Pin(true) => ("pin", None, None, None),
            MessageChange::Pin(false) => ("unpin", None, None, None),
            MessageChange::Delete => ("delete", None, None, Some(Change::MessageDeleted { message_id: c.id })),
            MessageChange::AddReaction { emoji } => {
                let (message_id, emoji, user_id) = reaction(emoji);
                ("react", Some(emoji.clone()), None, Some(Change::ReactionAdded { message_id, emoji, user_id }))
            }
            MessageChange::RemoveReaction { emoji } => {
                let (message_id, emoji, user_id) = reaction(emoji);
                ("unreact", Some(emoji.clone()), None, Some(Change::ReactionRemoved { message_id, emoji, user_id }))
            }
        };
        let (log_kind, (log_message, data)) = match &change {
            None => ("message_updated", (Some(c.id.0), None)),
            Some(change) => (change.kind(), event_columns(change)?),
        };
        kinds.push(kind);
        texts.push(text);
        mentions.push(mention);
        logged.push(change);
        log_kinds.push(log_kind);
        log_messages.push(log_message);
        log_data.push(data);
    }
    let ids: Vec<i64> = changes.iter().map(|c| c.id.0).collect();
    let by: Vec<i64> = changes.iter().map(|c| c.by.0).collect();
    let ats: Vec<DateTime<Utc>> = changes.iter().map(|c| c.at).collect();
    let rows = prepared
        .query(
            tx,
            CHANGE_ALL,
            &[&kinds, &ids, &by, &ats, &texts, &mentions, &log_kinds, &log_messages, &log_data, &MAX_REACTION_EMOJI],
        )
        .map_err(internal)?;
    if rows.len() != n {
        return Err(StoreError::Internal(format!("{n} changes were answered with {} rows", rows.len()).into()));
    }

    // Each change's outcome, the events of edits and pins waiting for their message.
    let mut outcomes: Vec<Result<ChangeOutcome, (RoomId, i64)>> = Vec::with_capacity(n);
    for (row, change) in rows.iter().zip(logged) {
        let outcome: &str = row.try_get(1).map_err(internal)?;
        outcomes.push(match outcome {
            "not_found" => Ok(ChangeOutcome::NotFound),
            "unchanged" => Ok(ChangeOutcome::Unchanged),
            "too_many" => Ok(ChangeOutcome::TooManyReactions),
            "logged" => {
                let room = RoomId(row.try_get(2).map_err(internal)?);
                let seq: i64 = row.try_get(3).map_err(internal)?;
                match change {
                    Some(change) => Ok(ChangeOutcome::Logged(Box::new(RoomEvent { room_id: room, seq, change }))),
                    None => Err((room, seq)),
                }
            }
            other => return Err(StoreError::Internal(format!("a change was answered with {other:?}").into())),
        });
    }
    let read_back: Vec<i64> = changes.iter().zip(&outcomes).filter(|(_, o)| o.is_err()).map(|(c, _)| c.id.0).collect();
    let mut messages = HashMap::new();
    if !read_back.is_empty() {
        let found = prepared.query(tx, READ_BACK, &[&read_back]).map_err(internal)?;
        let found = found.iter().map(message_from_row).collect::<Result<Vec<_>, _>>().map_err(internal)?;
        messages =
            with_reactions(tx, prepared, found, None).map_err(internal)?.into_iter().map(|m| (m.id, m)).collect();
    }
    changes
        .iter()
        .zip(outcomes)
        .map(|(c, outcome)| match outcome {
            Ok(outcome) => Ok(outcome),
            Err((room_id, seq)) => {
                let message = messages.get(&c.id).cloned().ok_or_else(|| {
                    StoreError::Internal("a message changed in the batch could not be read back".into())
                })?;
                let change = Change::MessageUpdated { message };
                Ok(ChangeOutcome::Logged(Box::new(RoomEvent { room_id, seq, change })))
            }
        })
        .collect()
}
