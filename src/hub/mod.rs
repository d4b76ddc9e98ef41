//! The hub: which connections are in which room, who is present, and delivery of encoded
//! frames to them. It knows nothing of sockets or SQL: a connection is an id, a user and a
//! bounded outbox of frames; whatever drains the outbox is someone else's business.
//!
//! Logged room events (those with a `seq`) can be held back per connection and room: a
//! connection that resumes after a reconnect is sent the events it missed from the database
//! first, and the hub drops live events it already got that way (see [`Hub::resume_after`]).
//!
//! Blocks: each connection knows whom it must not hear typing from (its user blocked them, or
//! they blocked its user), kept up to date by [`Hub::block_changed`]; typing alone is filtered
//! by it, so the message path never looks.
//!
//! Locking: `rooms` is an `RwLock` whose write side is taken only to join or leave (rare);
//! delivering a message takes the read side plus the one room's mutex, so rooms do not
//! contend with each other. No lock is ever held across an `.await` (all methods are
//! synchronous), and no two of these locks are taken in the opposite order; a connection's own
//! `muted` lock is always the innermost.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::domain::{Presence, RoomId, User, UserId};
use crate::metrics::HubMetrics;
use crate::protocol::Frame;
pub use member::Member;
use member::MuteChange;

mod member;

/// Identifies one connection, across instances too: each hub numbers its connections from a
/// random start (the high 32 bits), so a frame addressed through Redis to "every connection of
/// a user but this one" spares exactly that one.
pub type ConnId = u64;

/// A connection in a room.
struct Subscriber {
    member: Arc<Member>,
    /// Logged events with `seq <= floor` are not delivered to it: it has them (or will get them)
    /// from a replay. 0 for a plain join; `i64::MAX` while a replay is being read.
    floor: i64,
}

/// The floor of a connection that is still reading its replay: no logged event gets through.
const HOLD_ALL: i64 = i64::MAX;

#[derive(Default)]
struct Room {
    members: HashMap<ConnId, Subscriber>,
    /// Presence is per user: a user with two tabs stays present until the last one leaves.
    presence: HashMap<UserId, (User, usize)>,
}

/// Rooms, their members and presence; shared by every connection.
#[derive(Default)]
pub struct Hub {
    rooms: RwLock<HashMap<RoomId, Mutex<Room>>>,
    /// Every live connection, for events addressed to everyone (room created, renamed, deleted)
    /// or to one user (read markers, direct messages, blocks).
    connections: Mutex<Connections>,
    /// Users as the latest `user_updated` showed them, since this instance started: member
    /// lists read from other instances' presence (Redis keeps each user as they were when they
    /// joined) are brought up to date with it. One entry per user who changed their picture.
    updated: Mutex<HashMap<UserId, User>>,
    next_id: AtomicU64,
    /// Connections, memberships and deliveries, counted as they happen (atomics, one add per
    /// fan-out rather than per frame).
    metrics: HubMetrics,
}

/// The live connections, by id and by user: a frame for one user (their read marker moved,
/// a direct message) finds that user's few connections without a scan of every connection,
/// which at thousands of connections and a read marker per person per second would cost more
/// than the messages themselves.
#[derive(Default)]
struct Connections {
    all: HashMap<ConnId, Arc<Member>>,
    by_user: HashMap<UserId, Vec<Arc<Member>>>,
}

impl Connections {
    fn values(&self) -> impl Iterator<Item = &Arc<Member>> {
        self.all.values()
    }

    /// The connections of one user.
    fn of(&self, user: UserId) -> impl Iterator<Item = &Arc<Member>> {
        self.by_user.get(&user).into_iter().flatten()
    }

    fn insert(&mut self, member: Arc<Member>) {
        self.by_user.entry(member.user.id).or_default().push(member.clone());
        self.all.insert(member.id, member);
    }

    /// Returns whether it was there.
    fn remove(&mut self, member: &Member) -> bool {
        let was_there = self.all.remove(&member.id).is_some();
        if let Some(mine) = self.by_user.get_mut(&member.user.id) {
            mine.retain(|m| m.id != member.id);
            if mine.is_empty() {
                self.by_user.remove(&member.user.id);
            }
        }
        was_there
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a hub lock leaves plain maps behind, still consistent enough to use.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hub {
    /// A hub whose counts nobody reads (unit tests).
    pub fn new() -> Self {
        Self::with_metrics(HubMetrics::default())
    }

    /// A hub that counts into `metrics`.
    pub fn with_metrics(metrics: HubMetrics) -> Self {
        let start = (uuid::Uuid::new_v4().as_u128() as u64) & !u64::from(u32::MAX);
        Hub { next_id: AtomicU64::new(start), metrics, ..Self::default() }
    }

    /// Registers a connection opened with a session (its stored hash); its frames will be
    /// pushed into `outbox`.
    pub fn connect(&self, user: User, session: String, outbox: mpsc::Sender<Frame>) -> Arc<Member> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let member = Arc::new(Member::new(id, user, session, outbox));
        lock(&self.connections).insert(member.clone());
        self.metrics.connections.inc();
        member
    }

    /// Forgets a connection (its rooms are left by the caller first).
    pub fn disconnect(&self, member: &Member) {
        if lock(&self.connections).remove(member) {
            self.metrics.connections.dec();
        }
    }

    /// Adds a connection to a room. Returns true when it is the user's first connection in the
    /// room on this instance (the caller decides whom to tell). Joining twice is harmless.
    ///
    /// With `resuming`, the room's logged events are held back from this connection until
    /// [`Hub::resume_after`] says from where it needs them (presence and typing still arrive).
    pub fn join(&self, member: &Arc<Member>, room_id: RoomId, resuming: bool) -> bool {
        let floor = if resuming { HOLD_ALL } else { 0 };
        let mut rooms = self.rooms.write().unwrap_or_else(PoisonError::into_inner);
        let mut room = lock(rooms.entry(room_id).or_default());
        if let Some(already) = room.members.get_mut(&member.id) {
            already.floor = floor;
            return false;
        }
        room.members.insert(member.id, Subscriber { member: member.clone(), floor });
        self.metrics.memberships.inc();
        let entry = room.presence.entry(member.user.id).or_insert_with(|| (member.profile(), 0));
        entry.1 += 1;
        entry.1 == 1
    }

    /// Removes a connection from a room; empty rooms are dropped. `None` when it was not in the
    /// room, `Some(true)` when it was the user's last connection there on this instance.
    pub fn leave(&self, member: &Member, room_id: RoomId) -> Option<bool> {
        let mut rooms = self.rooms.write().unwrap_or_else(PoisonError::into_inner);
        let slot = rooms.get_mut(&room_id)?;
        let room = slot.get_mut().unwrap_or_else(PoisonError::into_inner);
        room.members.remove(&member.id)?;
        self.metrics.memberships.dec();
        let gone = match room.presence.get_mut(&member.user.id) {
            Some(entry) => {
                entry.1 -= 1;
                entry.1 == 0
            }
            None => false,
        };
        if gone {
            room.presence.remove(&member.user.id);
        }
        if room.members.is_empty() {
            rooms.remove(&room_id);
        }
        Some(gone)
    }

    /// Lets a resuming connection have the room's logged events after `seq` (it has the ones up
    /// to `seq` from its replay). The caller holds the room's delivery order while calling this,
    /// so that no event falls between the replay and the live stream.
    pub fn resume_after(&self, member: &Member, room_id: RoomId, seq: i64) {
        let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(room) = rooms.get(&room_id) {
            if let Some(subscriber) = lock(room).members.get_mut(&member.id) {
                subscriber.floor = seq;
            }
        }
    }

    /// The users with a connection in the room on this instance, by id.
    pub fn local_users(&self, room_id: RoomId) -> Vec<User> {
        let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
        let mut users: Vec<User> = rooms
            .get(&room_id)
            .map(|r| lock(r).presence.values().map(|(u, _)| u.clone()).collect())
            .unwrap_or_default();
        users.sort_by_key(|u| u.id);
        users
    }

    /// Rooms with at least one connection on this instance.
    pub fn active_rooms(&self) -> Vec<RoomId> {
        self.rooms.read().unwrap_or_else(PoisonError::into_inner).keys().copied().collect()
    }

    /// Delivers a frame to one connection.
    pub fn send_to(&self, member: &Arc<Member>, frame: &Frame) {
        let mut lagging = Vec::new();
        self.deliver(std::iter::once(member), frame, &mut lagging);
        self.kick(lagging);
    }

    /// Delivers a frame to every connection in a room.
    pub fn publish(&self, room_id: RoomId, frame: &Frame) {
        self.publish_except(room_id, None, frame)
    }

    /// Delivers a logged event of a room (its `seq`) to the room's connections that do not
    /// have it from a replay.
    pub fn publish_logged(&self, room_id: RoomId, seq: i64, frame: &Frame) {
        let mut lagging = Vec::new();
        {
            let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(room) = rooms.get(&room_id) {
                let room = lock(room);
                let wanting = room.members.values().filter(|s| seq > s.floor).map(|s| &s.member);
                self.deliver(wanting, frame, &mut lagging);
            }
        }
        self.kick(lagging);
    }

    /// Delivers a logged event of a room to every connection; those in the room get it unless
    /// they have it from a replay.
    pub fn broadcast_logged(&self, room_id: RoomId, seq: i64, frame: &Frame) {
        let mut lagging = Vec::new();
        {
            let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
            let room = rooms.get(&room_id).map(lock);
            let has_it = |id: &ConnId| room.as_ref().and_then(|r| r.members.get(id)).is_some_and(|s| seq <= s.floor);
            let connections = lock(&self.connections);
            self.deliver(connections.values().filter(|m| !has_it(&m.id)), frame, &mut lagging);
        }
        self.kick(lagging);
    }

    /// Delivers a frame to every connection in a room except those of one user (presence and
    /// typing are news for the others, not for the user themselves).
    pub fn publish_except(&self, room_id: RoomId, except: Option<UserId>, frame: &Frame) {
        let mut lagging = Vec::new();
        {
            let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(room) = rooms.get(&room_id) {
                let room = lock(room);
                let others = room.members.values().map(|s| &s.member).filter(|m| Some(m.user.id) != except);
                self.deliver(others, frame, &mut lagging);
            }
        }
        self.kick(lagging);
    }

    /// Delivers a typing frame of `user` to every connection in a room that hears them: not the
    /// user's own, nor those of people either side of a block with them.
    pub fn publish_typing(&self, room_id: RoomId, user: UserId, frame: &Frame) {
        let mut lagging = Vec::new();
        {
            let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(room) = rooms.get(&room_id) {
                let room = lock(room);
                let hearing = room.members.values().map(|s| &s.member).filter(|m| m.user.id != user && m.hears(user));
                self.deliver(hearing, frame, &mut lagging);
            }
        }
        self.kick(lagging);
    }

    /// `blocker` blocked `blocked` (or, with `blocking` false, lifted the block): from now on
    /// every connection of either of them hears the other's typing no more (or again, unless
    /// the other way round is blocked too).
    pub fn block_changed(&self, blocker: UserId, blocked: UserId, blocking: bool) {
        let connections = lock(&self.connections);
        for member in connections.of(blocker) {
            member.block_changed(MuteChange { mine: true, other: blocked, blocking });
        }
        for member in connections.of(blocked) {
            member.block_changed(MuteChange { mine: false, other: blocker, blocking });
        }
    }

    /// Delivers a frame to every connection of `user`.
    pub fn send_to_user(&self, user: UserId, frame: &Frame) {
        let mut lagging = Vec::new();
        {
            let connections = lock(&self.connections);
            self.deliver(connections.of(user), frame, &mut lagging);
        }
        self.kick(lagging);
    }

    /// Delivers a frame to every connection of `user` but `except`.
    pub fn send_to_user_except(&self, user: UserId, except: ConnId, frame: &Frame) {
        let mut lagging = Vec::new();
        {
            let connections = lock(&self.connections);
            let others = connections.of(user).filter(|m| m.id != except);
            self.deliver(others, frame, &mut lagging);
        }
        self.kick(lagging);
    }

    /// Delivers a frame to every connection of one user that has not joined `room` (those that
    /// did hear the room's own events).
    pub fn send_to_user_outside(&self, user: UserId, room: RoomId, frame: &Frame) {
        let inside: HashSet<ConnId> = match self.rooms.read().unwrap_or_else(PoisonError::into_inner).get(&room) {
            Some(r) => lock(r).members.keys().copied().collect(),
            None => HashSet::new(),
        };
        let mut lagging = Vec::new();
        {
            let connections = lock(&self.connections);
            let outside = connections.of(user).filter(|m| !inside.contains(&m.id));
            self.deliver(outside, frame, &mut lagging);
        }
        self.kick(lagging);
    }

    /// Delivers a frame to every connection, joined to a room or not.
    pub fn broadcast(&self, frame: &Frame) {
        let mut lagging = Vec::new();
        self.deliver(lock(&self.connections).values(), frame, &mut lagging);
        self.kick(lagging);
    }

    /// The ids of `user`'s connections on this instance.
    pub fn connections_of(&self, user: UserId) -> Vec<ConnId> {
        lock(&self.connections).of(user).map(|m| m.id).collect()
    }

    /// The presence of `user` as this instance's connections show it: online when one of them
    /// is in use, idle when all are idle, offline when there are none.
    pub fn local_presence(&self, user: UserId) -> Presence {
        let connections = lock(&self.connections);
        let states = connections.of(user).map(|m| if m.is_idle() { Presence::Idle } else { Presence::Online });
        states.max().unwrap_or(Presence::Offline)
    }

    /// The rooms `user` is present in on this instance. A scan of the rooms: presence changes
    /// at human pace.
    pub fn rooms_of(&self, user: UserId) -> Vec<RoomId> {
        let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
        rooms.iter().filter(|(_, room)| lock(room).presence.contains_key(&user)).map(|(id, _)| *id).collect()
    }

    /// Delivers a frame once to every connection joined to one of `rooms` and every connection
    /// of one of `users`.
    pub fn send_near(&self, rooms: &[RoomId], users: &[UserId], frame: &Frame) {
        let mut chosen: HashMap<ConnId, Arc<Member>> = HashMap::new();
        {
            let all = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
            for room in rooms.iter().filter_map(|id| all.get(id)) {
                for subscriber in lock(room).members.values() {
                    chosen.entry(subscriber.member.id).or_insert_with(|| subscriber.member.clone());
                }
            }
        }
        {
            let connections = lock(&self.connections);
            for member in users.iter().flat_map(|&user| connections.of(user)) {
                chosen.entry(member.id).or_insert_with(|| member.clone());
            }
        }
        let mut lagging = Vec::new();
        self.deliver(chosen.values(), frame, &mut lagging);
        self.kick(lagging);
    }

    /// Puts a user's changed profile (city, avatar) into the member lists of every room they are
    /// present in here, so that later `room_users_list` frames show it, and into their
    /// connections ([`Member::profile`]); returns those rooms.
    pub fn update_user(&self, user: &User) -> Vec<RoomId> {
        lock(&self.updated).insert(user.id, user.clone());
        for member in lock(&self.connections).of(user.id) {
            *lock(&member.profile) = user.clone();
        }
        let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
        let mut present = Vec::new();
        for (id, room) in rooms.iter() {
            if let Some(entry) = lock(room).presence.get_mut(&user.id) {
                entry.0 = user.clone();
                present.push(*id);
            }
        }
        present
    }

    /// Tells every connection opened with this session (its stored hash) that it ended; returns
    /// how many there were. A scan of all connections: sessions end at human pace (a logout, a
    /// login), so an index by session would cost every connection memory for nothing.
    pub fn end_session(&self, session: &str) -> usize {
        let ending: Vec<Arc<Member>> =
            lock(&self.connections).values().filter(|m| m.session == session).cloned().collect();
        // Woken after the lock is released, like lagging connections.
        for member in &ending {
            tracing::debug!(conn = member.id, user = %member.user.id, "session ended; closing its connection");
            member.session_ended.notify_one();
        }
        ending.len()
    }

    /// `users` as the latest `user_updated` this instance heard showed them.
    pub fn as_updated(&self, mut users: Vec<User>) -> Vec<User> {
        let updated = lock(&self.updated);
        for user in &mut users {
            if let Some(now) = updated.get(&user.id) {
                user.clone_from(now);
            }
        }
        users
    }

    /// Forgets a deleted room's members and presence; their connections learn of the deletion
    /// through `room_deleted` and later frames for that room fail with `room_not_found`.
    pub fn remove_room(&self, room_id: RoomId) {
        let removed = self.rooms.write().unwrap_or_else(PoisonError::into_inner).remove(&room_id);
        if let Some(room) = removed {
            let members = room.into_inner().unwrap_or_else(PoisonError::into_inner).members.len();
            self.metrics.memberships.dec_by(members as i64);
        }
    }

    /// The users present in a room now (for tests and diagnostics).
    pub fn present(&self, room_id: RoomId) -> Vec<UserId> {
        let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
        let mut ids: Vec<UserId> =
            rooms.get(&room_id).map(|r| lock(r).presence.keys().copied().collect()).unwrap_or_default();
        ids.sort();
        ids
    }

    /// How many connections are registered.
    pub fn connection_count(&self) -> usize {
        lock(&self.connections).all.len()
    }
}

impl Hub {
    /// Pushes a frame into each outbox without waiting; collects the ones that are full. The
    /// frames handed over are counted once per call.
    fn deliver<'a>(&self, to: impl Iterator<Item = &'a Arc<Member>>, frame: &Frame, lagging: &mut Vec<Arc<Member>>) {
        let mut delivered = 0u64;
        for member in to {
            match member.outbox.try_send(frame.clone()) {
                Ok(()) => delivered += 1,
                Err(TrySendError::Full(_)) => lagging.push(member.clone()),
                // The connection is shutting down; its owner removes it from the hub.
                Err(TrySendError::Closed(_)) => {}
            }
        }
        if delivered > 0 {
            self.metrics.deliveries.inc_by(delivered);
        }
    }

    /// Wakes the owners of lagging connections (after every hub lock is released).
    fn kick(&self, lagging: Vec<Arc<Member>>) {
        if !lagging.is_empty() {
            self.metrics.lagging.inc_by(lagging.len() as u64);
        }
        for member in lagging {
            tracing::info!(conn = member.id, user = %member.user.id, "connection lagged; closing it so it resyncs");
            member.kicked.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Blocks, City, Username};
    use crate::protocol::ServerFrame;

    fn user(id: i64) -> User {
        User {
            id: UserId(id),
            username: Username::parse(&format!("user{id}")).unwrap(),
            city: Some(City::parse("Казань").unwrap()),
            city_id: None,
            country: None,
            timezone: None,
            avatar_url: None,
        }
    }

    fn conn(hub: &Hub, id: i64, capacity: usize) -> (Arc<Member>, mpsc::Receiver<Frame>) {
        conn_in(hub, id, &format!("session of {id}"), capacity)
    }

    fn conn_in(hub: &Hub, id: i64, session: &str, capacity: usize) -> (Arc<Member>, mpsc::Receiver<Frame>) {
        let (tx, rx) = mpsc::channel(capacity);
        (hub.connect(user(id), session.to_owned(), tx), rx)
    }

    fn types(rx: &mut mpsc::Receiver<Frame>) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(f) = rx.try_recv() {
            let v: serde_json::Value = serde_json::from_str(f.as_str()).unwrap();
            out.push(v["type"].as_str().unwrap().to_owned());
        }
        out
    }

    #[test]
    fn presence_is_per_user_so_a_second_tab_neither_joins_nor_leaves_twice() {
        let hub = Hub::new();
        let (a1, _ra1) = conn(&hub, 1, 16);
        let (a2, _ra2) = conn(&hub, 1, 16);
        let room = RoomId(1);
        assert!(hub.join(&a1, room, false));
        assert!(!hub.join(&a2, room, false));
        assert!(!hub.join(&a2, room, false), "joining twice is harmless");
        assert_eq!(hub.leave(&a1, room), Some(false));
        assert_eq!(hub.present(room), [UserId(1)]);
        assert_eq!(hub.leave(&a2, room), Some(true));
        assert_eq!(hub.leave(&a2, room), None);
        assert!(hub.present(room).is_empty());
    }

    #[test]
    fn an_empty_room_is_dropped() {
        let hub = Hub::new();
        let (a, _ra) = conn(&hub, 1, 16);
        hub.join(&a, RoomId(5), false);
        assert_eq!(hub.active_rooms(), [RoomId(5)]);
        hub.leave(&a, RoomId(5));
        assert!(hub.active_rooms().is_empty());
    }

    #[test]
    fn publishing_can_leave_out_one_user() {
        let hub = Hub::new();
        let (a, mut ra) = conn(&hub, 1, 16);
        let (b, mut rb) = conn(&hub, 2, 16);
        hub.join(&a, RoomId(1), false);
        hub.join(&b, RoomId(1), false);
        hub.publish_except(RoomId(1), Some(UserId(1)), &ServerFrame::Pong.encode());
        assert!(types(&mut ra).is_empty());
        assert_eq!(types(&mut rb), ["pong"]);
    }

    #[test]
    fn a_resuming_connection_gets_only_the_logged_events_after_its_replay() {
        let hub = Hub::new();
        let (a, mut ra) = conn(&hub, 1, 16);
        let (b, mut rb) = conn(&hub, 2, 16);
        let room = RoomId(3);
        let logged = |seq| ServerFrame::ResyncRequired { room_id: room, seq }.encode();
        hub.join(&a, room, true);
        hub.join(&b, room, false);

        hub.publish_logged(room, 5, &logged(5)); // a is still reading its replay
        hub.publish(room, &ServerFrame::Pong.encode()); // unlogged frames are never held
        hub.resume_after(&a, room, 6);
        hub.publish_logged(room, 6, &logged(6)); // a has it from the replay
        hub.publish_logged(room, 7, &logged(7));
        hub.broadcast_logged(room, 6, &logged(6));
        hub.broadcast_logged(room, 8, &logged(8));

        let seqs = |rx: &mut mpsc::Receiver<Frame>| -> Vec<i64> {
            std::iter::from_fn(|| rx.try_recv().ok())
                .map(|f| serde_json::from_str::<serde_json::Value>(f.as_str()).unwrap()["seq"].as_i64().unwrap_or(0))
                .collect()
        };
        assert_eq!(seqs(&mut ra), [0, 7, 8]);
        assert_eq!(seqs(&mut rb), [5, 0, 6, 7, 6, 8], "a plain member gets everything");
    }

    #[test]
    fn typing_skips_both_sides_of_a_block_and_a_change_heard_while_loading_survives_the_load() {
        let hub = Hub::new();
        let (blocker, mut r_blocker) = conn(&hub, 1, 16);
        let (blocked, mut r_blocked) = conn(&hub, 2, 16);
        let (third, mut r_third) = conn(&hub, 3, 16);
        let room = RoomId(1);
        for m in [&blocker, &blocked, &third] {
            hub.join(m, room, false);
        }
        // The block is heard before the connections have read their stored blocks (none).
        hub.block_changed(UserId(1), UserId(2), true);
        for m in [&blocker, &blocked, &third] {
            m.load_blocks(Blocks::default());
        }
        let typing = ServerFrame::Pong.encode();
        hub.publish_typing(room, UserId(1), &typing);
        hub.publish_typing(room, UserId(2), &typing);
        assert!(types(&mut r_blocker).is_empty(), "neither its own typing nor the blocked user's");
        assert!(types(&mut r_blocked).is_empty(), "nor the blocker's");
        assert_eq!(types(&mut r_third), ["pong", "pong"], "a third person hears both");

        hub.block_changed(UserId(2), UserId(1), true);
        hub.block_changed(UserId(1), UserId(2), false);
        hub.publish_typing(room, UserId(2), &typing);
        assert!(types(&mut r_blocker).is_empty(), "still blocked the other way round");
        hub.block_changed(UserId(2), UserId(1), false);
        hub.publish_typing(room, UserId(2), &typing);
        hub.publish_typing(room, UserId(1), &typing);
        assert_eq!(types(&mut r_blocker), ["pong"]);
        assert_eq!(types(&mut r_blocked), ["pong"]);
    }

    #[test]
    fn the_hub_counts_connections_memberships_and_frames_handed_over_once_per_fan_out() {
        let metrics = HubMetrics::default();
        let hub = Hub::with_metrics(metrics.clone());
        let (a, _ra) = conn(&hub, 1, 16);
        let (b, _rb) = conn(&hub, 2, 16);
        hub.join(&a, RoomId(1), false);
        hub.join(&b, RoomId(1), false);
        hub.join(&b, RoomId(2), false);
        assert_eq!((metrics.connections.get(), metrics.memberships.get()), (2, 3));

        hub.publish(RoomId(1), &ServerFrame::Pong.encode());
        hub.send_to(&a, &ServerFrame::Pong.encode());
        assert_eq!(metrics.deliveries.get(), 3);

        hub.leave(&a, RoomId(1));
        hub.remove_room(RoomId(2));
        hub.disconnect(&a);
        hub.disconnect(&a);
        assert_eq!((metrics.connections.get(), metrics.memberships.get()), (1, 1));
    }

    #[tokio::test]
    async fn a_connection_whose_outbox_is_full_is_kicked_not_buffered() {
        let hub = Hub::new();
        let (slow, _rslow) = conn(&hub, 1, 2);
        hub.join(&slow, RoomId(1), false);
        let frame = ServerFrame::Pong.encode();
        for _ in 0..3 {
            hub.publish(RoomId(1), &frame); // two fit, the third overflows
        }
        tokio::time::timeout(std::time::Duration::from_secs(1), slow.kicked())
            .await
            .expect("the lagging connection is told to go");
    }

    #[tokio::test]
    async fn ending_a_session_tells_its_connections_and_no_others() {
        let hub = Hub::new();
        let (phone, _r1) = conn_in(&hub, 1, "phone", 16);
        let (phone_tab, _r2) = conn_in(&hub, 1, "phone", 16);
        let (laptop, _r3) = conn_in(&hub, 1, "laptop", 16);

        assert_eq!(hub.end_session("phone"), 2);

        let told = |m: Arc<Member>| async move {
            tokio::time::timeout(std::time::Duration::from_millis(100), m.session_ended()).await.is_ok()
        };
        assert!(told(phone).await && told(phone_tab).await);
        assert!(!told(laptop).await, "another session of the same user stays");
        assert_eq!(hub.end_session("nobody"), 0);
    }
}
