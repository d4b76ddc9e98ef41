//! The message writer's batches in PostgreSQL: one transaction per batch, its new messages and
//! its read markers each stored many to a statement, so a batch costs a few round trips to the
//! database rather than a few per write.

use std::collections::{HashMap, HashSet};

use postgres::GenericClient;

use super::changes::{change_all, ChangeRequest};
use super::connect::{constraint, write_error, CLIENT_ID_UNIQUE};
use super::messages::with_reactions;
use super::pool::{PgConn, Prepared};
use super::reads::{mark_all, Mark};
use super::rows::{message_columns, message_from_row, message_select};
use super::PostgresStore;
use crate::domain::{ClientId, MessageId, RoomId, UserId};
use crate::store::{mentions_column, ChangeOutcome, Conflict, Inserted, NewMessage, StoreError, Write, Written};

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

/// Commits a batch ([`crate::store::MessageStore::write`]), retried when another instance
/// stored one of its `client_id`s meanwhile.
pub(super) fn write(store: &PostgresStore, batch: &[Write]) -> Result<Vec<Written>, StoreError> {
    let mut conn = store.writer_connection()?;
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
                tracing::debug!(attempt, "a client_id was stored by another instance meanwhile; retrying the batch");
            }
            Err(BatchError::Db(e)) => return Err(write_error(e, Conflict::RoomName)),
        }
    }
}

/// Locks the rooms of the new messages ($1) and of the messages to change ($2), in
/// ascending id order; answers a row per locked room (id, null) and per message to change
/// (its room, its id). A message's room never changes, so it can be read before the lock.
/// `NO KEY`: a marker's or a message's foreign key still takes its key share of a locked
/// room, so a batch of another instance, waiting here with some rooms locked, and this
/// one, storing markers in those rooms, cannot wait for each other. One array of ids, not
/// an `OR` of two conditions: the rooms are found through their key, not by reading them all.
pub(super) const LOCK_ROOMS: &str = "WITH locked AS (
         SELECT id FROM rooms
         WHERE id = ANY($1::BIGINT[] || ARRAY(SELECT room_id FROM messages WHERE id = ANY($2)))
         ORDER BY id FOR NO KEY UPDATE)
     SELECT id, NULL::BIGINT FROM locked
     UNION ALL
     SELECT room_id, id FROM messages WHERE id = ANY($2)";

/// One transaction committing a batch.
fn write_batch(conn: &mut PgConn, batch: &[Write]) -> Result<Vec<Written>, BatchError> {
    let (client, prepared) = conn.split();
    let mut tx = client.transaction()?;
    // Lock the batch's rooms before anything else: two instances committing batches over the
    // same rooms then queue instead of deadlocking, and a room's seqs and ids grow together
    // across instances.
    let mut posted: Vec<i64> = Vec::new();
    let mut changed: Vec<i64> = Vec::new();
    for write in batch {
        match write {
            Write::Post(m) => posted.push(m.room_id.0),
            Write::Change { id, .. } => changed.push(id.0),
            Write::MarkRead { .. } => {}
        }
    }
    let mut locked: HashSet<i64> = HashSet::new();
    let mut room_of: HashMap<MessageId, RoomId> = HashMap::new();
    if !posted.is_empty() || !changed.is_empty() {
        for row in prepared.query(&mut tx, LOCK_ROOMS, &[&posted, &changed])? {
            let room: i64 = row.try_get(0)?;
            match row.try_get::<_, Option<i64>>(1)? {
                None => {
                    locked.insert(room);
                }
                Some(message) => {
                    room_of.insert(MessageId(message), RoomId(room));
                }
            }
        }
    }

    let mut out: Vec<Option<Written>> = vec![None; batch.len()];
    let mut pending = Pending::default();
    for (place, write) in batch.iter().enumerate() {
        match write {
            Write::Post(m) => {
                if pending.changed_rooms.contains(&m.room_id) {
                    pending.flush(&mut tx, prepared, &locked, &mut out)?;
                }
                pending.rooms.insert(m.room_id);
                pending.posts.push((place, m));
            }
            Write::Change { id, change, by, at } => {
                // No room: no such message, and the change will find none.
                let room = room_of.get(id).copied();
                if room.is_some_and(|room| pending.rooms.contains(&room)) || pending.read_back.contains(id) {
                    pending.flush(&mut tx, prepared, &locked, &mut out)?;
                }
                let request = ChangeRequest { id: *id, change, by: *by, at: *at };
                if request.reads_back() {
                    pending.read_back.insert(*id);
                }
                pending.changed_rooms.extend(room);
                pending.changes.push((place, request));
            }
            Write::MarkRead { user, room, message, at, counted } => {
                if pending.marked.contains(&(*user, *room)) || pending.changed_rooms.contains(room) {
                    pending.flush(&mut tx, prepared, &locked, &mut out)?;
                }
                pending.rooms.insert(*room);
                pending.marked.insert((*user, *room));
                let mark =
                    Mark { user: *user, room: *room, message: *message, at: *at, counted: *counted, below: None };
                pending.marks.push((place, mark));
            }
        }
    }
    pending.flush(&mut tx, prepared, &locked, &mut out)?;
    let out = out.into_iter().collect::<Option<Vec<Written>>>().ok_or_else(|| {
        BatchError::Store(StoreError::Internal("a write of the batch was left without an outcome".into()))
    })?;
    tx.commit()?;
    Ok(out)
}

/// New messages, read markers and changes of a batch waiting to be stored together, each with
/// its place in the batch.
///
/// A batch's writes take effect as if one after the other, yet many wait and go in one
/// statement: the messages in one, the markers in one, each marker counting only the messages
/// before it in the batch, and the changes in one call that makes them in order. A flush comes
/// before what could tell otherwise, so that a room never has changes waiting beside messages or
/// markers: a change in a room with messages or markers waiting (its seq must follow theirs, and
/// a deletion makes a message no longer markable), a message or a marker in a room with changes
/// waiting, a second marker of the same user and room (one statement cannot move a row twice),
/// and a change to a message edited or pinned in the waiting changes (which is read back once,
/// after them). A marker names a message committed before the batch, which no new message
/// changes; writes in different rooms never touch each other's rows.
#[derive(Default)]
struct Pending<'a> {
    posts: Vec<(usize, &'a NewMessage)>,
    marks: Vec<(usize, Mark)>,
    changes: Vec<(usize, ChangeRequest<'a>)>,
    /// The rooms of the waiting messages and markers.
    rooms: HashSet<RoomId>,
    marked: HashSet<(UserId, RoomId)>,
    /// The rooms of the waiting changes, and the messages they edit or pin.
    changed_rooms: HashSet<RoomId>,
    read_back: HashSet<MessageId>,
}

impl Pending<'_> {
    fn flush(
        &mut self,
        tx: &mut impl GenericClient,
        prepared: &mut Prepared,
        locked: &HashSet<i64>,
        out: &mut [Option<Written>],
    ) -> Result<(), BatchError> {
        self.rooms.clear();
        self.marked.clear();
        self.changed_rooms.clear();
        self.read_back.clear();
        // Where each room's first message stored after a given place is: a marker counts the
        // messages below it.
        let mut stored: Vec<(usize, RoomId, MessageId)> = Vec::new();
        if !self.posts.is_empty() {
            let (places, posts): (Vec<usize>, Vec<&NewMessage>) = self.posts.drain(..).unzip();
            for (place, inserted) in places.into_iter().zip(post_all(tx, prepared, &posts, locked)?) {
                if inserted.fresh {
                    stored.push((place, inserted.message.room_id, inserted.message.id));
                }
                out[place] = Some(Written::Posted(inserted));
            }
        }
        if !self.marks.is_empty() {
            let (places, mut marks): (Vec<usize>, Vec<Mark>) = self.marks.drain(..).unzip();
            for (place, mark) in places.iter().zip(&mut marks) {
                mark.below =
                    stored.iter().filter(|(at, room, _)| at > place && *room == mark.room).map(|(_, _, id)| *id).min();
            }
            for (place, outcome) in places.into_iter().zip(mark_all(tx, prepared, &marks).map_err(BatchError::Store)?) {
                out[place] = Some(Written::Read(outcome));
            }
        }
        if !self.changes.is_empty() {
            let (places, changes): (Vec<usize>, Vec<ChangeRequest>) = self.changes.drain(..).unzip();
            let outcomes: Vec<ChangeOutcome> = change_all(tx, prepared, &changes).map_err(BatchError::Store)?;
            for (place, outcome) in places.into_iter().zip(outcomes) {
                out[place] = Some(Written::Changed(outcome));
            }
        }
        Ok(())
    }
}

/// Stores new messages in one statement, in their order, each numbered with its room's next
/// seq (the rooms are locked), or answers one with the message its author already stored with
/// its `client_id` — before this batch, or earlier in it. `locked` are the batch's rooms that
/// exist.
fn post_all(
    tx: &mut impl GenericClient,
    prepared: &mut Prepared,
    posts: &[&NewMessage],
    locked: &HashSet<i64>,
) -> Result<Vec<Inserted>, BatchError> {
    // `fresh`: the messages without an earlier copy, each with its room's next seq in batch
    // order (the rooms are locked, so `last_seq` holds still); `bumped`: the rooms' new
    // `last_seq`; rows go in in batch order, so a room's ids grow with its seqs. The answer: a row per stored message's place (`ord`, from 1),
    // and a row per stored row (id, room, seq); a message's row is its room's next by seq.
    // Repeats have neither, and are looked up after. (Joining the two in SQL would be a
    // nested loop over the batch squared: the planner knows nothing of a CTE's size.)
    const INSERT_ALL: &str = "WITH input AS (
             SELECT t.*, row_number() OVER (PARTITION BY t.user_id, t.client_id ORDER BY t.ord) AS copy
             FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TIMESTAMPTZ[], $6::BIGINT[],
                         $7::TEXT[])
                 WITH ORDINALITY AS t(room_id, user_id, content, client_id, created_at, reply_to_id, mentions, ord)),
         fresh AS (
             SELECT i.*, r.last_seq + row_number() OVER (PARTITION BY i.room_id ORDER BY i.ord) AS seq
             FROM input i
             JOIN rooms r ON r.id = i.room_id
             LEFT JOIN LATERAL (SELECT m.id FROM messages m
                                WHERE i.client_id IS NOT NULL AND m.user_id = i.user_id AND m.client_id = i.client_id
                                LIMIT 1) old ON TRUE
             WHERE old.id IS NULL AND (i.client_id IS NULL OR i.copy = 1)),
         bumped AS (
             UPDATE rooms r SET last_seq = top.seq
             FROM (SELECT room_id, max(seq) AS seq FROM fresh GROUP BY room_id) top
             WHERE r.id = top.room_id),
         stored AS (
             INSERT INTO messages (room_id, user_id, content, client_id, seq, created_at, reply_to_id, mentions)
             SELECT room_id, user_id, content, client_id, seq, created_at, reply_to_id, mentions
             FROM fresh ORDER BY ord
             RETURNING id, room_id, seq, created_at),
         logged AS (
             INSERT INTO room_events (room_id, seq, kind, message_id, data, created_at)
             SELECT room_id, seq, 'message_created', id, NULL, created_at FROM stored)
         SELECT f.ord, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT FROM fresh f
         UNION ALL
         SELECT NULL, s.id, s.room_id, s.seq FROM stored s";

    // A message for a room that is gone fails the batch, unless it is a repeat (answered
    // from its first copy, as it would be anyway).
    let mut answered: HashMap<usize, Inserted> = HashMap::new();
    for (i, m) in posts.iter().enumerate() {
        if !locked.contains(&m.room_id.0) {
            answered.insert(i, earlier(tx, prepared, m)?.ok_or(BatchError::MissingRoom)?);
        }
    }
    let left: Vec<(usize, &NewMessage)> =
        posts.iter().enumerate().filter(|(i, _)| !answered.contains_key(i)).map(|(i, m)| (i, *m)).collect();
    let mentions = resolve_all_mentions(tx, prepared, left.iter().map(|(_, m)| &m.mention_keys))?;
    let rooms: Vec<i64> = left.iter().map(|(_, m)| m.room_id.0).collect();
    let users: Vec<i64> = left.iter().map(|(_, m)| m.user.id.0).collect();
    let contents: Vec<&str> = left.iter().map(|(_, m)| m.content.as_str()).collect();
    let client_ids: Vec<Option<&str>> = left.iter().map(|(_, m)| m.client_id.as_ref().map(ClientId::as_str)).collect();
    let created: Vec<_> = left.iter().map(|(_, m)| m.created_at).collect();
    let replies: Vec<Option<i64>> = left.iter().map(|(_, m)| m.reply_to.as_ref().map(|r| r.id().0)).collect();
    let mention_columns: Vec<Option<String>> = mentions.iter().map(|ids| mentions_column(ids)).collect();
    let rows = if left.is_empty() {
        Vec::new()
    } else {
        prepared.query(
            tx,
            INSERT_ALL,
            &[&rooms, &users, &contents, &client_ids, &created, &replies, &mention_columns],
        )?
    };
    let mut fresh: HashSet<i64> = HashSet::new();
    let mut rows_of: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for row in &rows {
        match row.try_get::<_, Option<i64>>(0)? {
            Some(ord) => {
                fresh.insert(ord);
            }
            None => rows_of.entry(row.try_get(2)?).or_default().push((row.try_get(3)?, row.try_get(1)?)),
        }
    }
    // Each room's rows, highest seq first, to be taken from the end in order.
    for room_rows in rows_of.values_mut() {
        room_rows.sort_unstable_by(|a, b| b.cmp(a));
    }
    for (ord, ((i, m), mentions)) in (1..).zip(left.into_iter().zip(mentions)) {
        let inserted = if fresh.contains(&ord) {
            let (seq, id) = rows_of.get_mut(&m.room_id.0).and_then(Vec::pop).ok_or_else(|| {
                BatchError::Store(StoreError::Internal("a message was counted as stored but has no row".into()))
            })?;
            let message = m.stored(MessageId(id), seq, mentions);
            Inserted { message, fresh: true }
        } else {
            // Not stored, so a repeat: its first copy is visible now, whether stored before
            // this batch or by this very statement.
            earlier(tx, prepared, m)?.ok_or_else(|| {
                BatchError::Store(StoreError::Internal("a message was neither stored nor a repeat".into()))
            })?
        };
        answered.insert(i, inserted);
    }
    (0..posts.len())
        .map(|i| {
            answered.remove(&i).ok_or_else(|| {
                BatchError::Store(StoreError::Internal("a message of the batch was left without an answer".into()))
            })
        })
        .collect()
}

/// The message `m`'s author stored before with `m`'s `client_id`, if it has one.
fn earlier(
    tx: &mut impl GenericClient,
    prepared: &mut Prepared,
    m: &NewMessage,
) -> Result<Option<Inserted>, BatchError> {
    const BY_CLIENT_ID: &str = concat!(message_select!(), " WHERE m.user_id = $1 AND m.client_id = $2");
    let Some(client_id) = m.client_id.as_ref().map(ClientId::as_str) else { return Ok(None) };
    let Some(row) = prepared.query_opt(tx, BY_CLIENT_ID, &[&m.user.id.0, &client_id])? else { return Ok(None) };
    let message = with_reactions(tx, prepared, vec![message_from_row(&row)?], None)?.remove(0);
    Ok(Some(Inserted { message, fresh: false }))
}

/// The users each list of `keys` (case-folded usernames) names, in the keys' order, all looked
/// up in one query.
fn resolve_all_mentions<'k>(
    tx: &mut impl GenericClient,
    prepared: &mut Prepared,
    keys: impl Iterator<Item = &'k Vec<String>>,
) -> Result<Vec<Vec<UserId>>, postgres::Error> {
    let keys: Vec<&Vec<String>> = keys.collect();
    let mut all: Vec<&str> = keys.iter().flat_map(|k| k.iter().map(String::as_str)).collect();
    all.sort_unstable();
    all.dedup();
    let found = super::messages::users_by_key(tx, prepared, &all)?;
    Ok(keys.iter().map(|k| super::messages::mentioned(k.as_slice(), &found)).collect())
}
