//! Storage: the `Store` trait every backend implements (SQLite in `sqlite`, PostgreSQL in
//! `postgres`, chosen by [`open`] from the config), and `Db` (in `db`), the async handle the
//! rest of the server uses; `admin` holds the operator commands' reads.

pub mod admin;
mod db;
mod log;
mod people;
pub mod postgres;
pub mod sqlite;

pub use admin::{AdminStore, RoomSummary, SummaryKind};
pub use db::{CommitSink, Db, DbReader, PendingInsert, MAX_BATCH};
pub(crate) use log::LoggedMessage;
use log::{event_columns, event_from_parts};
pub use people::{AvatarStore, Block, BlockStore, Conversation, DmStore, MuteStore, NewAvatar, StoredAvatar};

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::cities::CityId;
use crate::config::{DatabaseConfig, SessionLifetime};
use crate::domain::{
    About, Account, Author, CityPrivacy, ClientId, Home, Message, MessageId, MessageText, Profile, Reaction, Reactors,
    ReadState, ReplyRef, Room, RoomDescription, RoomId, RoomName, User, UserId, Username,
};
use crate::emoji::Emoji;
use crate::events::RoomEvent;
use crate::i18n::Lang;
use crate::search::{Highlight, SearchQuery};

/// What went wrong in storage, in terms the HTTP and WebSocket layers can answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was hit; says which.
    #[error("{0:?} is already taken")]
    Conflict(Conflict),
    /// The row the call refers to does not exist (or vanished meanwhile).
    #[error("not found")]
    NotFound,
    /// The database cannot be reached right now (pool exhausted, file locked too long,
    /// PostgreSQL down, restarting or not reachable at start-up); worth retrying later, so
    /// the HTTP layer answers 503.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else: a bug or a broken database; logged, answered with a generic 500.
    #[error("database error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    Username,
    RoomName,
}

/// A message on its way into storage.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room_id: RoomId,
    pub user: User,
    pub content: MessageText,
    pub client_id: Option<ClientId>,
    pub created_at: DateTime<Utc>,
    /// The message of the same room it answers (checked before it was queued).
    pub reply_to: Option<ReplyRef>,
    /// Case-folded usernames its text may mention ([`crate::mentions::candidates`]); those of
    /// existing users become its mentions.
    pub mention_keys: Vec<String>,
}

impl NewMessage {
    /// The message as stored with `id` and `seq`, mentioning `mentions` (those of its
    /// `mention_keys` that name users).
    fn stored(&self, id: MessageId, seq: i64, mentions: Vec<UserId>) -> Message {
        let client_id = self.client_id.as_ref().map(|c| c.as_str().to_owned());
        let content = self.content.as_str().to_owned();
        let mut message =
            Message::posted(id, self.room_id, self.user.clone(), content, self.created_at, client_id, seq);
        message.reply_to = self.reply_to.clone();
        message.mentions = mentions;
        message
    }
}

/// A change to a posted message; each one that changes something is logged as the room's next
/// event.
#[derive(Debug, Clone)]
pub enum MessageChange {
    /// New text (mentions found in it anew); sets `edited_at`.
    Edit {
        content: MessageText,
        mention_keys: Vec<String>,
    },
    /// Leaves a tombstone: the text, mentions, pin and reactions go.
    Delete,
    /// `by` reacts with `emoji`, unless they did already; refused when the message has
    /// [`MAX_REACTION_EMOJI`] other emoji.
    AddReaction {
        emoji: Emoji,
    },
    RemoveReaction {
        emoji: Emoji,
    },
    /// Pins (true) or unpins the message.
    Pin(bool),
}

/// Distinct emoji one message may have reactions with.
pub const MAX_REACTION_EMOJI: i64 = 20;

/// What [`MessageStore::change_message`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// Changed and logged as this event.
    Logged(Box<RoomEvent>),
    /// Nothing to change (a repeated reaction, a pinned message pinned again): nothing logged.
    Unchanged,
    /// A new emoji on a message that has [`MAX_REACTION_EMOJI`] already.
    TooManyReactions,
    /// No such message, or it is deleted: nothing changed.
    NotFound,
}

/// One write of the message writer's batches: a new message, or a change to a posted one.
/// A batch is committed in one transaction, its writes applied in order, so each room's
/// events get their seqs in the order the writes were queued.
#[derive(Debug, Clone)]
pub enum Write {
    Post(NewMessage),
    Change {
        id: MessageId,
        change: MessageChange,
        /// On whose behalf; whether they may is the caller's rule, checked before.
        by: UserId,
        at: DateTime<Utc>,
    },
    /// Moves a user's read marker ([`ReadStateStore::mark_read`]): marks come as often as
    /// people read, so they share the writer's commits instead of paying one each.
    MarkRead {
        user: UserId,
        room: RoomId,
        message: MessageId,
        at: DateTime<Utc>,
        /// Whether to count what is unread after the marker (for the user's other
        /// connections); without anyone to tell, the marker alone is written.
        counted: bool,
    },
}

/// What one [`Write`] did.
// Posts are most writes: boxing the large variant would cost an allocation per message.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Written {
    Posted(Inserted),
    Changed(ChangeOutcome),
    Read(MarkRead),
}

/// The result of storing one message.
#[derive(Debug, Clone)]
pub struct Inserted {
    pub message: Message,
    /// False when the author had already stored a message with this `client_id`: `message` is
    /// that earlier one and nothing was written.
    pub fresh: bool,
}

/// The store traits, for code that calls a store directly (tests, the migration): their
/// methods can be called only with the traits in scope.
pub mod prelude {
    pub use super::{
        AdminStore, AvatarStore, BlockStore, DmStore, EventStore, LimitStore, MessageStore, MuteStore, ProfileStore,
        ReadStateStore, RoomStore, SearchStore, Store, UserStore,
    };
}

/// Accounts and their sessions.
///
/// A session is live while `now < created_at + lifetime.max` (absolute) and
/// `now < last_seen_at + lifetime.idle` (idle); the lifetime is passed in, so a changed
/// configuration applies to existing sessions too.
pub trait UserStore {
    /// Creates an account, with the interface language it chose, if any.
    fn create_user(
        &self,
        username: &Username,
        password_hash: &str,
        home: &Home,
        language: Option<Lang>,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError>;
    /// The account with this case-folded username and its password hash.
    fn find_credentials(&self, username_key: &str) -> Result<Option<(Account, String)>, StoreError>;
    /// Saves the interface language a user chose. A user that does not exist is no error: there
    /// is nothing to save the choice for.
    fn set_language(&self, user: UserId, language: Lang) -> Result<(), StoreError>;
    /// Stores a session under the hash of its token, created and last seen `now`, and drops
    /// sessions that have ended.
    fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: DateTime<Utc>,
        lifetime: &SessionLifetime,
    ) -> Result<(), StoreError>;
    /// The account owning a live session. When the session was last seen more than
    /// [`LAST_SEEN_EVERY`] ago, its `last_seen_at` becomes `now` (a failure to write that is
    /// logged, not returned), so checking a session is a read almost always.
    fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        lifetime: &SessionLifetime,
    ) -> Result<Option<Account>, StoreError>;
    /// Deletes a session; false when there was none.
    fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError>;
    /// Deletes every session of `user` but `keep`; returns the hashes of those deleted.
    fn delete_other_sessions(&self, user: UserId, keep: &str) -> Result<Vec<String>, StoreError>;
}

/// Profiles: what everyone may read about a user, what they may change about themselves, and
/// their password.
pub trait ProfileStore {
    /// A user's profile; `None` when there is no such user.
    fn profile(&self, user: UserId) -> Result<Option<Profile>, StoreError>;
    /// Changes what `change` names (a `None` stays as it is); returns the profile as changed,
    /// `NotFound` when there is no such user.
    fn update_profile(&self, user: UserId, change: &ProfileChange) -> Result<Profile, StoreError>;
    /// The distinct cities as typed (not linked to a canonical city) that users have.
    fn free_cities(&self) -> Result<Vec<String>, StoreError>;
    /// Links every user whose city, not linked yet, is exactly `typed` to `home`; returns how
    /// many were linked.
    fn link_free_city(&self, typed: &str, home: &Home) -> Result<u64, StoreError>;
    /// Replaces a user's password hash; `NotFound` when there is no such user.
    fn set_password_hash(&self, user: UserId, password_hash: &str) -> Result<(), StoreError>;
}

/// A change to one's own profile; each `None` stays as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub home: Option<Home>,
    pub about: Option<About>,
    pub city_privacy: Option<CityPrivacy>,
}

impl ProfileChange {
    /// `home`'s canonical id as stored (`NULL` for a city as typed).
    pub fn city_id(&self) -> Option<i64> {
        self.home.as_ref().and_then(|h| h.city_id).map(|id| i64::from(id.0))
    }
}

/// How stale a live session's `last_seen_at` may get before a check moves it to now: the idle
/// limit is counted in days, so an hour's slack costs nothing, and sparing the write keeps the
/// session check (on every history page) a read.
pub const LAST_SEEN_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// The moments a live session must have been created after and last seen after.
#[derive(Debug, Clone, Copy)]
struct SessionCutoffs {
    created_after: DateTime<Utc>,
    seen_after: DateTime<Utc>,
    /// A live session last seen at or before this gets `last_seen_at` moved to now.
    refresh_before: DateTime<Utc>,
}

impl SessionCutoffs {
    fn at(now: DateTime<Utc>, lifetime: &SessionLifetime) -> Self {
        SessionCutoffs {
            created_after: before(now, lifetime.max),
            seen_after: before(now, lifetime.idle),
            refresh_before: before(now, LAST_SEEN_EVERY),
        }
    }
}

/// `now - span`, saturating at the earliest representable time.
fn before(now: DateTime<Utc>, span: std::time::Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(span).ok().and_then(|d| now.checked_sub_signed(d)).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Rooms. A change to what a room shows is logged as a [`RoomEvent`] in the same transaction.
pub trait RoomStore {
    /// Returns the default room, creating it (or adopting a room of that name) on first start.
    fn ensure_default_room(&self, name: &RoomName, now: DateTime<Utc>) -> Result<Room, StoreError>;
    /// All public rooms (no direct conversation), oldest first.
    fn list_rooms(&self) -> Result<Vec<Room>, StoreError>;
    fn get_room(&self, id: RoomId) -> Result<Option<Room>, StoreError>;
    /// The seq of the room's newest event (0 for a room without any); `None` when there is no
    /// such room.
    fn room_seq(&self, id: RoomId) -> Result<Option<i64>, StoreError>;
    fn create_room(
        &self,
        name: &RoomName,
        description: &RoomDescription,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Room, StoreError>;
    /// Renames or redescribes a room and logs the change as the room's next event; returns the
    /// room as changed and that event's seq.
    fn update_room(
        &self,
        id: RoomId,
        name: Option<&RoomName>,
        description: Option<&RoomDescription>,
        now: DateTime<Utc>,
    ) -> Result<(Room, i64), StoreError>;
    /// Deletes a room and, with it, its messages and its log.
    fn delete_room(&self, id: RoomId) -> Result<(), StoreError>;
    /// The room of a canonical city, created unless it exists: public, with no creator, named
    /// `name`, or `fallback` when another room has that name already. True when this call
    /// created it. One room per city however many ask at once, on any instance: the rooms'
    /// unique index on the city decides. `Conflict(RoomName)` only when both names are taken.
    fn city_room(
        &self,
        city: CityId,
        name: &RoomName,
        fallback: &RoomName,
        now: DateTime<Utc>,
    ) -> Result<(Room, bool), StoreError>;
}

/// Messages and history.
pub trait MessageStore {
    /// Commits a batch of writes in one transaction: all or none, in order, one answer per
    /// write. Each new message gets the next `seq` of its room and is logged as that event
    /// (within a room, ids and seqs grow together); each change that changes something is
    /// logged as the room's next event.
    fn write(&self, batch: &[Write]) -> Result<Vec<Written>, StoreError>;
    /// Stores a batch of messages in one transaction: [`MessageStore::write`] with posts only.
    fn insert_messages(&self, batch: &[NewMessage]) -> Result<Vec<Inserted>, StoreError> {
        let writes: Vec<Write> = batch.iter().cloned().map(Write::Post).collect();
        Ok(self
            .write(&writes)?
            .into_iter()
            .filter_map(|w| match w {
                Written::Posted(inserted) => Some(inserted),
                Written::Changed(_) | Written::Read(_) => None,
            })
            .collect())
    }
    /// The newest `limit` messages of a room with id below `before`, oldest first.
    fn messages_before(&self, room: RoomId, before: Option<MessageId>, limit: u32) -> Result<Vec<Message>, StoreError>;
    /// A page of history as [`MessageStore::messages_before`] and the room's seq, both read
    /// from one snapshot, so a client can resume right after the page. `None`: no such room.
    /// Reactions say `me` for `viewer`.
    fn history(
        &self,
        room: RoomId,
        before: Option<MessageId>,
        limit: u32,
        viewer: UserId,
    ) -> Result<Option<Page>, StoreError>;
    /// A page of a room's history as [`MessageStore::history`], through the city lens: only
    /// messages whose authors chose `city` and show it, and `viewer`'s own when `viewer` chose
    /// it. Pages by `before` as history does.
    fn history_of_city(
        &self,
        room: RoomId,
        city: CityId,
        before: Option<MessageId>,
        limit: u32,
        viewer: UserId,
    ) -> Result<Option<Page>, StoreError>;
    /// The window of a room's history around message `around`: up to `limit` messages, about
    /// half older and half newer, the message included, oldest first, with the room's seq from
    /// the same snapshot. `None`: no such room, or no such (undeleted) message in it.
    fn history_around(
        &self,
        room: RoomId,
        around: MessageId,
        limit: u32,
        viewer: UserId,
    ) -> Result<Option<Page>, StoreError>;
    /// A message that is not deleted; reactions say `me` for `viewer`.
    fn message(&self, id: MessageId, viewer: Option<UserId>) -> Result<Option<Message>, StoreError>;
    /// The author and the room of a message that is not deleted, in one look-up: what deciding
    /// whether someone may change it needs.
    fn message_author_and_room(&self, id: MessageId) -> Result<Option<(UserId, Room)>, StoreError>;
    /// The room's pinned messages, the latest pinned first; `None`: no such room.
    fn pins(&self, room: RoomId, viewer: UserId) -> Result<Option<Vec<Message>>, StoreError>;
    /// Who reacted to a message that is not deleted with `emoji`: the first `limit` of them in
    /// the order they reacted, and how many did. `None`: no such (undeleted) message.
    fn reactors(&self, id: MessageId, emoji: &Emoji, limit: u32) -> Result<Option<Reactors>, StoreError>;
    /// Changes a message that is not deleted on behalf of `by`, logging the change as the
    /// room's next event in the same transaction: [`MessageStore::write`] with one change.
    /// Whether `by` may make the change is the caller's rule, checked before.
    fn change_message(
        &self,
        id: MessageId,
        change: &MessageChange,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<ChangeOutcome, StoreError> {
        let write = Write::Change { id, change: change.clone(), by, at: now };
        match self.write(std::slice::from_ref(&write))?.pop() {
            Some(Written::Changed(outcome)) => Ok(outcome),
            _ => Err(StoreError::Internal("a change was answered as a post".into())),
        }
    }
}

/// Full-text search over messages, kept in step with them by the database itself (triggers in
/// SQLite, a generated column in PostgreSQL), so every write to a message's content — sending,
/// editing, deleting — is searchable as of its own commit, whichever code wrote it. A message
/// whose content is empty (a deleted message's tombstone) is never found.
pub trait SearchStore {
    /// The newest messages matching `query` (its phrases, author, room name, `room_id`), with
    /// ids below `query.before`, newest first, at most `query.limit`, each with its excerpt.
    /// Over every room `viewer` may see: the public ones and their own direct conversations. A `from:` or `in:` naming nobody finds nothing.
    /// Reactions say `me` for `viewer`.
    fn search(&self, query: &SearchQuery, viewer: UserId) -> Result<Vec<(Message, Highlight)>, StoreError>;
}

/// How far each user has read each room: a marker per user and room that only moves forward,
/// and the unread counts after it, counted by the database over the room's index, never past
/// [`ReadState::MAX_COUNT`] + 1 messages.
pub trait ReadStateStore: MessageStore {
    /// Moves `user`'s marker in `room` to `message`, which must be a message of that room that
    /// is not deleted; a marker already at or past it stays where it is: [`MessageStore::write`]
    /// with one [`Write::MarkRead`].
    fn mark_read(
        &self,
        user: UserId,
        room: RoomId,
        message: MessageId,
        now: DateTime<Utc>,
    ) -> Result<MarkRead, StoreError> {
        match self.write(&[Write::MarkRead { user, room, message, at: now, counted: true }])?.pop() {
            Some(Written::Read(outcome)) => Ok(outcome),
            _ => Err(StoreError::Internal("a read marker was answered as another write".into())),
        }
    }
    /// The user's read state in every room they may see (the public ones and their own direct
    /// conversations), oldest room first; a room never marked has `last_read_id` 0.
    fn read_states(&self, user: UserId) -> Result<Vec<ReadState>, StoreError>;
}

/// What [`ReadStateStore::mark_read`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkRead {
    /// The marker moved forward; the state after it.
    Moved(ReadState),
    /// The marker moved forward; its counts were not asked for.
    MovedUncounted,
    /// The marker was at or past the message already: nothing changed.
    Unchanged,
    /// No such message in the room, or it is deleted.
    MessageNotFound,
}

/// The `LIKE` pattern that finds `user` in a message's mentions column wrapped in commas
/// (`',' || mentions || ','`; see [`mentions_column`]).
fn mention_pattern(user: UserId) -> String {
    format!("%,{},%", user.0)
}

/// The read state from the counts the database gave (over at most `MAX_COUNT + 1` messages).
fn read_state(room_id: RoomId, last_read_id: i64, unread: i64, mentions: i64) -> ReadState {
    let cap = |n: i64| u32::try_from(n.clamp(0, i64::from(ReadState::MAX_COUNT))).unwrap_or(ReadState::MAX_COUNT);
    ReadState { room_id, last_read_id: MessageId(last_read_id), unread: cap(unread), mentions: cap(mentions) }
}

/// How many messages the unread counts look at: one past the cap, so "more than 1000" is seen
/// without counting on.
const COUNT_WINDOW: i64 = ReadState::MAX_COUNT as i64 + 1;

/// The room event log.
pub trait EventStore {
    /// A room's events with `seq` above `after`, in seq order, at most `limit`.
    fn events_after(&self, room: RoomId, after: i64, limit: u32) -> Result<Vec<RoomEvent>, StoreError>;
}

/// Everything the server stores, as synchronous calls returning domain types.
///
/// Implementations block; call them only through [`Db`].
pub trait Store:
    UserStore
    + RoomStore
    + DmStore
    + MessageStore
    + SearchStore
    + EventStore
    + LimitStore
    + ReadStateStore
    + MuteStore
    + BlockStore
    + ProfileStore
    + AvatarStore
    + AdminStore
    + Send
    + Sync
    + 'static
{
}

impl<
        T: UserStore
            + RoomStore
            + DmStore
            + MessageStore
            + SearchStore
            + EventStore
            + LimitStore
            + ReadStateStore
            + MuteStore
            + BlockStore
            + ProfileStore
            + AvatarStore
            + AdminStore
            + Send
            + Sync
            + 'static,
    > Store for T
{
}

/// Rate limits that must hold across instances (logins, registrations): a token bucket per key,
/// kept as its GCRA "theoretical arrival time" in the shared database.
pub trait LimitStore {
    /// Asks the bucket `key` (one token back every `interval`, at most `burst` at once) for a
    /// token at `now`: `None` when there is one (taken if `take`), else how long until there is.
    fn rate_limit(
        &self,
        key: &str,
        interval: std::time::Duration,
        burst: u32,
        now: DateTime<Utc>,
        take: bool,
    ) -> Result<Option<std::time::Duration>, StoreError>;
    /// Forgets buckets that are full again (nothing to remember).
    fn purge_rate_limits(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// One GCRA decision, in microseconds: given the bucket's stored theoretical arrival time (none:
/// full), `Ok(new tat)` when a token is there, `Err(wait)` when not.
fn gcra(stored_tat: Option<i64>, now: i64, interval: i64, burst: u32) -> Result<i64, i64> {
    let tat = stored_tat.map_or(now, |t| t.max(now));
    let tolerance = interval.saturating_mul(i64::from(burst.saturating_sub(1)));
    let allowed_from = tat - tolerance;
    if now >= allowed_from {
        Ok(tat + interval)
    } else {
        Err(allowed_from - now)
    }
}

#[cfg(test)]
mod gcra_tests {
    use super::gcra;

    #[test]
    fn a_full_bucket_gives_burst_tokens_at_once_then_one_per_interval() {
        let (interval, burst) = (100, 3);
        let mut tat = None;
        for _ in 0..3 {
            tat = Some(gcra(tat, 1_000, interval, burst).expect("a token"));
        }
        assert_eq!(gcra(tat, 1_000, interval, burst), Err(100), "the fourth waits one interval");
        assert!(gcra(tat, 1_100, interval, burst).is_ok());
        assert_eq!(gcra(Some(0), 1_000, interval, burst), Ok(1_100), "an old bucket is full again");
    }
}

/// A page of a room's history and the room's seq as of the same read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub messages: Vec<Message>,
    pub seq: i64,
}

/// The stored form of a message's mentions: ids joined by commas, `None` for none.
fn mentions_column(mentions: &[UserId]) -> Option<String> {
    (!mentions.is_empty()).then(|| mentions.iter().map(|u| u.0.to_string()).collect::<Vec<_>>().join(","))
}

/// A message's mentions from their stored form (an unreadable entry is skipped).
fn mentions_from_column(column: Option<&str>) -> Vec<UserId> {
    column.map_or_else(Vec::new, |text| text.split(',').filter_map(|id| id.parse().ok()).map(UserId).collect())
}

/// What a reply shows from the columns of the message it answers: its id (none: no reply),
/// whether it is deleted, its author and the start of its text.
fn reply_from_columns(
    id: Option<i64>,
    deleted: Option<bool>,
    author: Option<(i64, String)>,
    text: Option<&str>,
) -> Option<ReplyRef> {
    let id = MessageId(id?);
    let original = match (deleted, author, text) {
        (Some(false), Some((user, name)), Some(text)) => {
            Some((Author { id: UserId(user), username: Username::from_trusted(name) }, text))
        }
        _ => None,
    };
    Some(ReplyRef::to(id, original))
}

/// One emoji's reactions to a message, as read grouped from the database.
struct ReactionRow {
    message_id: MessageId,
    reaction: Reaction,
}

/// Puts grouped reaction rows (in first-use order within each message) onto their messages.
fn attach_reactions(messages: &mut [Message], rows: Vec<ReactionRow>) {
    // A message may be there more than once (a replay holds its creation and its edits).
    for row in rows {
        for m in messages.iter_mut().filter(|m| m.id == row.message_id) {
            m.reactions.push(row.reaction.clone());
        }
    }
}

/// How many messages of a window of `limit` come before the message it is centred on.
fn older_in_window(limit: u32) -> u32 {
    limit.saturating_sub(1) / 2
}

/// Opens (and migrates) the store a config names. Blocking: call before serving or on a blocking
/// thread, never from async code (the PostgreSQL client panics there). For PostgreSQL this
/// waits up to the config's `connect_timeout` for the server to come up.
pub fn open(config: &DatabaseConfig) -> Result<Arc<dyn Store>, StoreError> {
    open_measured(config, crate::metrics::PoolWaits::default())
}

/// Like [`open`], the pool reporting how long each call waited for a connection to `pool_waits`.
pub fn open_measured(
    config: &DatabaseConfig,
    pool_waits: crate::metrics::PoolWaits,
) -> Result<Arc<dyn Store>, StoreError> {
    match config {
        DatabaseConfig::Sqlite { path } => Ok(Arc::new(sqlite::SqliteStore::open_measured(path, pool_waits)?)),
        DatabaseConfig::Postgres { url, pool_size, connect_timeout } => {
            Ok(Arc::new(self::postgres::PostgresStore::open_measured(url, *pool_size, *connect_timeout, pool_waits)?))
        }
    }
}
