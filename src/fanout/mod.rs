//! Fan-out: how what happens in a room reaches the hub of every instance. Logged room events
//! (see `crate::events`) go through the orderer, strictly by seq; presence, typing and the
//! room list are transient frames. Without Redis both are applied to this instance's hub
//! directly; with `REDIS_URL` they are also published to Redis and every other instance
//! applies them from its subscription. The hub stays ignorant of Redis; this layer feeds it.
//!
//! This is also where a resuming connection is replayed what it missed (see [`Fanout::join`]).

pub mod order;
pub mod redis;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::config::RedisSettings;
use crate::domain::{Message, Presence, PresentUser, ReadState, Room, RoomId, User, UserId};
use crate::events::{Change, RoomEvent};
use crate::hub::{ConnId, Hub, Member};
use crate::metrics::RedisMetrics;
use crate::protocol::{ServerFrame, TypingUser};
use crate::store::{DbReader, StoreError};
use order::{Accepted, Orderer, MAX_HELD};

/// How long a gap in a room's events may wait for the missing event to come through Redis
/// before it is read from the database.
const GAP_PATIENCE: Duration = Duration::from_millis(150);

/// How many times in a row the database may fail to be read for a gap before the gap is given
/// up on (each try after [`GAP_PATIENCE`]).
const GAP_TRIES: u32 = 20;

/// Something every instance must apply to its hub.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A logged room change: delivered through the orderer, in seq order.
    Logged { event: RoomEvent },
    /// A frame that is not logged (presence, typing, the room list), for some connections.
    Transient { to: Recipients, frame: ServerFrame },
    /// A session (its stored hash) was deleted: every connection opened with it closes.
    SessionEnded { session: String },
    /// `blocker` blocked `blocked` (`blocking`) or lifted the block: the connections of both
    /// stop (or start again) hearing each other's typing, and the blocker's connections are
    /// told with `user_blocked` / `user_unblocked`. The blocked user's are told nothing.
    BlockChanged { blocker: UserId, blocked: UserId, blocking: bool },
    /// A user's status over all instances changed: `presence` goes to the connections in
    /// `rooms` (where the user is present) and to every connection of `peers` (whom the user
    /// has a direct conversation with). The rooms are those the user was present in when the
    /// change was worked out: someone who joins a room later learns their state from the
    /// member list.
    Presence { user_id: UserId, status: Presence, rooms: Vec<RoomId>, peers: Vec<UserId> },
}

/// Who gets a transient frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipients {
    /// Every connection in the room except those of one user (the news is about that user).
    RoomExcept { room_id: RoomId, user_id: UserId },
    /// Like `RoomExcept`, and not to the connections of anyone either side of a block with that
    /// user either (typing).
    RoomHearing { room_id: RoomId, user_id: UserId },
    /// Every connection, joined to a room or not.
    Everyone,
    /// Every connection of one user but one (the connection the news came from), on any
    /// instance: connection ids are unique across instances (see [`crate::hub::ConnId`]).
    UserExcept { user_id: UserId, except: ConnId },
    /// Every connection of one user, on any instance.
    User { user_id: UserId },
    /// Every connection of one user that has not joined a room, on any instance (those that
    /// did hear the room's own events).
    UserOutside { user_id: UserId, room_id: RoomId },
}

/// Cheap-to-clone handle on the fan-out.
#[derive(Clone)]
pub struct Fanout {
    inner: Arc<Inner>,
}

struct Inner {
    hub: Arc<Hub>,
    order: Orderer,
    /// Reads what the fan-out lost, and what a resuming connection missed.
    db: DbReader,
    /// The link to the other instances; `None` on a single instance.
    redis: Option<redis::RedisLink>,
    /// The runtime to chase gaps on: `logged` runs on the writer thread, outside it.
    runtime: tokio::runtime::Handle,
    /// One user's status changes are worked out one at a time (per shard of users), so that
    /// the last one recorded is the state their connections are in.
    status_turns: Vec<tokio::sync::Mutex<()>>,
    /// Without Redis: the status each user was last announced with (offline users absent).
    announced: std::sync::Mutex<HashMap<UserId, Presence>>,
    /// Counts the resyncs; the link counts its publishes.
    metrics: RedisMetrics,
}

/// How many shards of users take turns at status changes.
const STATUS_SHARDS: usize = 64;

impl Fanout {
    /// Builds the fan-out whole: with Redis settings, the link to Redis is made and its
    /// background tasks start (they stop when `shutdown` flips to true). Must be called from
    /// within the Tokio runtime.
    pub fn start(
        hub: Arc<Hub>,
        db: DbReader,
        redis: Option<RedisSettings>,
        metrics: RedisMetrics,
        shutdown: watch::Receiver<bool>,
    ) -> Fanout {
        let (link, tasks) = redis.map(|settings| redis::RedisLink::connect(settings, metrics.clone())).unzip();
        let fanout = Fanout {
            inner: Arc::new(Inner {
                order: Orderer::new(hub.clone(), metrics.skipped.clone()),
                hub,
                db,
                redis: link,
                runtime: tokio::runtime::Handle::current(),
                status_turns: (0..STATUS_SHARDS).map(|_| tokio::sync::Mutex::new(())).collect(),
                announced: std::sync::Mutex::new(HashMap::new()),
                metrics,
            }),
        };
        if let Some(tasks) = tasks {
            tasks.spawn(fanout.clone(), shutdown);
        }
        fanout
    }

    pub fn hub(&self) -> &Arc<Hub> {
        &self.inner.hub
    }

    /// Applies an event to this instance's hub.
    pub(crate) fn apply(&self, event: Event) {
        match event {
            Event::Logged { mut event } => {
                // A message's seq is not part of its JSON; it travels beside it.
                if let Change::MessageCreated { message } = &mut event.change {
                    message.seq = event.seq;
                }
                self.accept(event);
            }
            Event::Transient { to, frame } => self.deliver(to, &frame),
            Event::SessionEnded { session } => {
                self.inner.hub.end_session(&session);
            }
            Event::BlockChanged { blocker, blocked, blocking } => {
                let hub = &self.inner.hub;
                hub.block_changed(blocker, blocked, blocking);
                let frame = if blocking {
                    ServerFrame::UserBlocked { user_id: blocked }
                } else {
                    ServerFrame::UserUnblocked { user_id: blocked }
                };
                hub.send_to_user(blocker, &frame.encode());
            }
            Event::Presence { user_id, status, rooms, peers } => {
                let frame = ServerFrame::Presence { user_id, status }.encode();
                self.inner.hub.send_near(&rooms, &peers, &frame);
            }
        }
    }

    fn deliver(&self, to: Recipients, frame: &ServerFrame) {
        let hub = &self.inner.hub;
        match frame {
            ServerFrame::RoomDeleted { room_id } => {
                hub.remove_room(*room_id);
                self.inner.order.forget(*room_id);
            }
            ServerFrame::UserUpdated { user } => self.refresh_user(user),
            _ => {}
        }
        let encoded = frame.encode();
        match to {
            Recipients::RoomExcept { room_id, user_id } => hub.publish_except(room_id, Some(user_id), &encoded),
            Recipients::RoomHearing { room_id, user_id } => hub.publish_typing(room_id, user_id, &encoded),
            Recipients::Everyone => hub.broadcast(&encoded),
            Recipients::UserExcept { user_id, except } => hub.send_to_user_except(user_id, except, &encoded),
            Recipients::UserOutside { user_id, room_id } => hub.send_to_user_outside(user_id, room_id, &encoded),
            Recipients::User { user_id } => hub.send_to_user(user_id, &encoded),
        }
    }

    /// Puts a user's changed profile into this instance's member lists, and into its presence
    /// entries in Redis, which other instances list members from.
    fn refresh_user(&self, user: &User) {
        let rooms = self.inner.hub.update_user(user);
        if rooms.is_empty() || self.inner.redis.is_none() {
            return;
        }
        let (fanout, user) = (self.clone(), user.clone());
        self.inner.runtime.spawn(async move {
            if let Some(link) = &fanout.inner.redis {
                link.refresh_user(&user, &rooms).await;
            }
        });
    }

    /// Sends a transient frame everywhere: through Redis when configured (which falls back to
    /// this instance alone while Redis is unreachable), else straight to this instance's hub.
    fn emit(&self, to: Recipients, frame: ServerFrame) {
        match &self.inner.redis {
            Some(link) => link.publish(Event::Transient { to, frame }),
            None => self.deliver(to, &frame),
        }
    }

    /// Announces a logged room event that was just committed: local sockets get it at once,
    /// other instances through Redis. The message writer calls it with each event it commits,
    /// in commit order.
    pub fn logged(&self, event: RoomEvent) {
        if let Some(link) = &self.inner.redis {
            link.publish(Event::Logged { event: event.clone() });
        }
        self.accept(event);
    }

    fn accept(&self, event: RoomEvent) {
        let room = event.room_id;
        if self.inner.order.accept(event) == (Accepted::Held { new_gap: true }) {
            self.fill_gap_soon(room);
        }
    }

    /// An event arrived ahead of its predecessor. Give the fan-out a moment to bring the
    /// missing one, then read it from the database. A gap that opened after the read (events
    /// committed meanwhile, some still on their way through Redis) is chased again; only what
    /// the database itself lacks is given up on (see [`Orderer::settle_gap`]).
    fn fill_gap_soon(&self, room: RoomId) {
        let fanout = self.clone();
        self.inner.runtime.spawn(async move {
            let order = &fanout.inner.order;
            let mut failures = 0;
            loop {
                tokio::time::sleep(GAP_PATIENCE).await;
                if order.gap(room).is_none() {
                    return; // the fan-out brought what was missing
                }
                match fanout.catch_up(room).await {
                    Ok(Some(read_to)) => {
                        failures = 0;
                        if !order.settle_gap(room, read_to) {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(_) => {
                        failures += 1;
                        if failures >= GAP_TRIES {
                            order.skip_gap(room);
                            failures = 0;
                        }
                    }
                }
            }
        });
    }

    /// Delivers a room's events stored after the last one delivered here. Returns the highest
    /// seq the database was read up to (`None`: the room is not followed here).
    async fn catch_up(&self, room: RoomId) -> Result<Option<i64>, StoreError> {
        let Some(after) = self.inner.order.delivered(room) else { return Ok(None) };
        match self.inner.db.call(move |s| s.events_after(room, after, MAX_HELD as u32)).await {
            Ok(missing) => {
                let read_to = missing.last().map_or(after, |e| e.seq);
                for event in missing {
                    self.inner.order.accept(event);
                }
                Ok(Some(read_to))
            }
            Err(e) => {
                tracing::warn!(%room, error = %e, "could not read missed room events");
                Err(e)
            }
        }
    }

    /// After the fan-out was cut off: deliver what was stored meanwhile in every room that has
    /// listeners here, and send them fresh member lists. Rooms nobody here listens to any more
    /// are forgotten, so they start afresh from the database when someone joins again.
    pub(crate) async fn resync(&self) {
        self.inner.metrics.resyncs.inc();
        let active = self.inner.hub.active_rooms();
        for room in self.inner.order.followed() {
            if !active.contains(&room) {
                self.inner.order.forget(room);
            }
        }
        for room in active {
            // A gap left behind is chased by its own task; a read that fails was logged.
            let _ = self.catch_up(room).await;
            let users = self.room_users(room).await;
            self.inner.hub.publish(room, &ServerFrame::RoomUsersList { room_id: room, users }.encode());
        }
    }

    /// Everyone present in a room, on any instance, with their presence.
    async fn room_users(&self, room: RoomId) -> Vec<PresentUser> {
        let mut users = None;
        if let Some(link) = &self.inner.redis {
            users = link.room_users(room).await.map(|users| self.inner.hub.as_updated(users));
        }
        let users = users.unwrap_or_else(|| self.inner.hub.local_users(room));
        let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
        let statuses = self.statuses(&ids).await;
        users
            .into_iter()
            .zip(statuses)
            .map(|(user, status)| PresentUser { user, presence: status.of_present() })
            .collect()
    }

    /// The statuses of `users` over all instances (offline for those nobody has seen).
    pub async fn statuses(&self, users: &[UserId]) -> Vec<Presence> {
        let hub = &self.inner.hub;
        let here: Vec<Presence> = users.iter().map(|&u| hub.local_presence(u)).collect();
        let Some(link) = &self.inner.redis else { return here };
        match link.statuses(users).await {
            // This instance's own connections count at once, before their state is recorded.
            Some(everywhere) => everywhere.into_iter().zip(here).map(|(a, b)| a.max(b)).collect(),
            None => here,
        }
    }

    /// Works out `user`'s status again after one of their connections on this instance came,
    /// went, or said it is idle or in use; when their status over all instances changed, tells
    /// those it concerns (see [`Event::Presence`]).
    pub async fn presence_changed(&self, user: UserId) {
        let shard = user.0.unsigned_abs() as usize % STATUS_SHARDS;
        let _turn = self.inner.status_turns[shard].lock().await;
        let hub = &self.inner.hub;
        let here = hub.local_presence(user);
        let changed = match &self.inner.redis {
            Some(link) => match link.set_status(user, here).await {
                Ok(changed) => changed,
                Err(e) => {
                    tracing::warn!(error = %e, "Redis unavailable: status told on this instance only");
                    Some((here, hub.rooms_of(user)))
                }
            },
            None => {
                let mut announced = self.inner.announced.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let before = announced.get(&user).copied().unwrap_or(Presence::Offline);
                if here == Presence::Offline {
                    announced.remove(&user);
                } else {
                    announced.insert(user, here);
                }
                (before != here).then(|| (here, hub.rooms_of(user)))
            }
        };
        if let Some((status, rooms)) = changed {
            self.announce_presence(user, status, rooms).await;
        }
    }

    /// Tells the connections in `rooms` and those of `user`'s direct-conversation partners, on
    /// every instance, that `user`'s status is now `status`.
    pub(crate) async fn announce_presence(&self, user: UserId, status: Presence, rooms: Vec<RoomId>) {
        let peers = match self.inner.db.call(move |s| s.dm_peers(user)).await {
            Ok(peers) => peers,
            Err(e) => {
                tracing::warn!(%user, error = %e, "cannot read whom a status change concerns; telling the rooms only");
                Vec::new()
            }
        };
        let event = Event::Presence { user_id: user, status, rooms, peers };
        match &self.inner.redis {
            Some(link) => link.publish(event),
            None => self.apply(event),
        }
    }

    /// Joins a connection to a room: it gets the member list, and if the user was present
    /// nowhere yet, everyone else in the room hears `joined_room`.
    ///
    /// With `since`, the connection is resuming: after the member list it gets every logged
    /// event of the room with a seq above `since`, read from the database, and then the live
    /// ones — none twice, none missing. More than [`MAX_HELD`] missed events are not replayed:
    /// it gets `resync_required` with the room's seq instead, then the live events after it.
    /// On an error the connection may be left half-joined; the caller leaves the room again.
    pub async fn join(&self, member: &Arc<Member>, room: RoomId, since: Option<i64>) -> Result<(), StoreError> {
        self.follow(room).await;
        let first_here = self.inner.hub.join(member, room, since.is_some());
        let announce = match (first_here, &self.inner.redis) {
            (false, _) => false,
            (true, None) => true,
            (true, Some(link)) => link.mark_present(&member.profile(), room).await,
        };
        if announce {
            // The joining connection is in use, or the user's status says how they are.
            let presence = match member.is_idle() {
                false => Presence::Online,
                true => self.statuses(&[member.user.id]).await[0].of_present(),
            };
            let joined =
                ServerFrame::JoinedRoom { room_id: room, user: PresentUser { user: member.profile(), presence } };
            self.emit(Recipients::RoomExcept { room_id: room, user_id: member.user.id }, joined);
        }
        let users = self.room_users(room).await;
        member.send(ServerFrame::RoomUsersList { room_id: room, users }.encode()).await;
        match since {
            Some(since) => self.replay(member, room, since).await,
            None => Ok(()),
        }
    }

    /// Sends a resuming connection the room's events after `since` from the log, then hands it
    /// to live delivery exactly after the last one sent. The connection joined the hub holding
    /// logged events back, so whatever is delivered live meanwhile is in what it reads here.
    async fn replay(&self, member: &Arc<Member>, room: RoomId, since: i64) -> Result<(), StoreError> {
        let mut cursor = since;
        let mut first = true;
        loop {
            let batch = MAX_HELD as u32 + 1;
            let events = self.inner.db.call(move |s| s.events_after(room, cursor, batch)).await?;
            if first && events.len() > MAX_HELD {
                let now = self.inner.db.call(move |s| s.room_seq(room)).await?.unwrap_or(cursor);
                member.send(ServerFrame::ResyncRequired { room_id: room, seq: now }.encode()).await;
                cursor = now;
            } else {
                for event in events {
                    cursor = event.seq;
                    member.send(ServerFrame::from(event).encode()).await;
                }
            }
            first = false;
            // Everything delivered live so far is at most `cursor`: the connection has it from
            // this replay, and from here on gets exactly what comes after. Otherwise more was
            // committed and delivered meanwhile: read on from the cursor.
            let hub = &self.inner.hub;
            if self.inner.order.while_not_past(room, cursor, || hub.resume_after(member, room, cursor)) {
                return Ok(());
            }
        }
    }

    /// Makes sure this instance delivers the room's events from now on. The starting point is
    /// the room's seq now: anything committed after it reaches the orderer (from the writer or
    /// Redis) or is fetched when its successor shows the gap.
    async fn follow(&self, room: RoomId) {
        if self.inner.order.delivered(room).is_some() {
            return;
        }
        match self.inner.db.call(move |s| s.room_seq(room)).await {
            Ok(Some(seq)) => self.inner.order.follow(room, seq),
            Ok(None) => {}
            Err(e) => tracing::warn!(%room, error = %e, "cannot follow the room's events yet"),
        }
    }

    /// Takes a connection out of a room; returns whether it was in it.
    pub async fn leave(&self, member: &Member, room: RoomId) -> bool {
        let Some(last_here) = self.inner.hub.leave(member, room) else { return false };
        let announce = match (last_here, &self.inner.redis) {
            (false, _) => false,
            (true, None) => true,
            (true, Some(link)) => link.mark_absent(member.user.id, room).await,
        };
        if announce {
            self.announce_left(room, member.user.id);
        }
        true
    }

    /// Tells the room that a user is gone from it (on every instance).
    pub(crate) fn announce_left(&self, room: RoomId, user: UserId) {
        let left = ServerFrame::LeftRoom { room_id: room, user_id: user };
        self.emit(Recipients::RoomExcept { room_id: room, user_id: user }, left);
    }

    /// Forgets a closed connection after leaving its rooms.
    pub async fn disconnect(&self, member: &Member, rooms: impl IntoIterator<Item = RoomId>) {
        for room in rooms {
            self.leave(member, room).await;
        }
        self.inner.hub.disconnect(member);
    }

    /// Tells the room's other members that `user` is typing, but for those either side of a
    /// block with them (each instance's hub filters its own connections).
    pub fn typing(&self, user: &User, room: RoomId) {
        let typing =
            ServerFrame::Typing { room_id: room, user: TypingUser { id: user.id, username: user.username.clone() } };
        self.emit(Recipients::RoomHearing { room_id: room, user_id: user.id }, typing);
    }

    pub fn room_created(&self, room: &Room) {
        self.emit(Recipients::Everyone, ServerFrame::RoomCreated { room: room.clone() });
    }

    /// Closes the connections of a session that was just deleted, on every instance. This
    /// instance's close at once, whether or not Redis answers; the others hear it through Redis
    /// (ending a session twice, when this instance hears its own event back, does nothing more).
    pub fn session_ended(&self, session: String) {
        self.inner.hub.end_session(&session);
        if let Some(link) = &self.inner.redis {
            link.publish(Event::SessionEnded { session });
        }
    }

    /// Whether `user` may have a connection other than `from`: on this instance, one more; with
    /// Redis, always (another instance may have one).
    pub fn may_have_other_connections(&self, user: UserId, from: ConnId) -> bool {
        self.inner.redis.is_some() || self.inner.hub.connections_of(user).iter().any(|&id| id != from)
    }

    /// Tells a user's other connections (on every instance) how far they have read a room:
    /// the connection `from` moved the marker and knows already.
    pub fn read_state(&self, user: UserId, from: ConnId, state: ReadState) {
        self.emit(Recipients::UserExcept { user_id: user, except: from }, state.into());
    }

    /// Tells every connection, on every instance, how a user looks now (a new or removed
    /// avatar); each instance's hub also shows them so in its member lists from then on.
    ///
    /// With Redis the frame reaches this instance's own connections only once it has come back
    /// from Redis; the profile is put into this instance's hub at once, before that, so that
    /// what the user sends the moment `PATCH /api/me` has been answered — from a socket they
    /// opened before — already shows only what they now choose to show. (Redis brings it to
    /// the other instances' hubs, and applying it here again then changes nothing.)
    pub fn user_updated(&self, user: &User) {
        if self.inner.redis.is_some() {
            self.inner.hub.update_user(user);
        }
        self.emit(Recipients::Everyone, ServerFrame::UserUpdated { user: user.clone() });
    }

    /// Tells both people of a direct conversation, on every instance, of a message stored in
    /// it: their connections that did not join it (those that did got `new_message`).
    pub fn direct_message(&self, room: &Room, message: &Message) {
        for user in &room.members {
            let frame = ServerFrame::DirectMessage { room: room.clone(), message: message.clone() };
            self.emit(Recipients::UserOutside { user_id: user.id, room_id: room.id }, frame);
        }
    }

    /// Tells the people a message mentions, on every instance, on their connections that did
    /// not join its room (those that did got `new_message`).
    pub fn mentioned(&self, message: &Message) {
        for &user in message.mentions.iter().filter(|&&u| u != message.user.id) {
            let frame = ServerFrame::Mentioned { message: message.clone() };
            self.emit(Recipients::UserOutside { user_id: user, room_id: message.room_id }, frame);
        }
    }

    /// Tells every connection of a user, on every instance, that they muted or unmuted a room.
    pub fn room_muted(&self, user: UserId, room: RoomId, muted: bool) {
        self.emit(Recipients::User { user_id: user }, ServerFrame::RoomMuted { room_id: room, muted });
    }

    /// Tells every instance that `blocker` blocked `blocked` (`blocking`) or lifted the block
    /// (see [`Event::BlockChanged`]). Through Redis when configured, like transient frames
    /// (this instance applies it when it hears it back, or at once while Redis is unreachable).
    pub fn block_changed(&self, blocker: UserId, blocked: UserId, blocking: bool) {
        let event = Event::BlockChanged { blocker, blocked, blocking };
        match &self.inner.redis {
            Some(link) => link.publish(event),
            None => self.apply(event),
        }
    }

    pub fn room_deleted(&self, room: RoomId) {
        self.emit(Recipients::Everyone, ServerFrame::RoomDeleted { room_id: room });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseConfig;
    use crate::store::{self, CommitSink, Db};

    #[tokio::test]
    async fn the_store_and_its_writer_are_released_once_the_app_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = store::open(&DatabaseConfig::Sqlite { path: dir.path().join("t.db") }).unwrap();
        let (_stop, shutdown) = watch::channel(false);
        let fanout =
            Fanout::start(Arc::new(Hub::new()), DbReader::new(store.clone()), None, RedisMetrics::default(), shutdown);
        let sink: CommitSink = {
            let fanout = fanout.clone();
            Arc::new(move |event| fanout.logged(event))
        };
        let db = Db::new(store.clone(), sink);

        drop(db);
        drop(fanout);

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while Arc::strong_count(&store) > 1 {
            assert!(std::time::Instant::now() < deadline, "the writer thread still holds the store");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}
