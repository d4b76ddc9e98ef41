//! Fan-out: how events — stored messages, presence, typing, room changes — reach the hub of
//! every instance. Without Redis they are applied to this instance's hub directly; with
//! `REDIS_URL` they are published to Redis and every instance (this one included) applies
//! them from its subscription. The hub stays ignorant of Redis; this layer feeds it.

pub mod order;
pub mod redis;

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::domain::{Message, Room, RoomId, User, UserId, Username};
use crate::hub::{Hub, Member};
use crate::protocol::{ServerFrame, TypingUser};
use crate::store::DbReader;
use order::{Accepted, Orderer};

/// Something every instance must apply to its hub.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A message was stored (`seq` travels beside it: it is not part of the message JSON).
    Message {
        message: Message,
        seq: i64,
    },
    RoomCreated {
        room: Room,
    },
    RoomUpdated {
        room: Room,
    },
    RoomDeleted {
        room_id: RoomId,
    },
    /// A user became present in a room (their first connection on any instance).
    Joined {
        room_id: RoomId,
        user: User,
    },
    /// A user's last connection to a room, on any instance, went away.
    Left {
        room_id: RoomId,
        user_id: UserId,
    },
    Typing {
        room_id: RoomId,
        user_id: UserId,
        username: Username,
    },
}

/// Cheap-to-clone handle on the fan-out.
#[derive(Clone)]
pub struct Fanout {
    inner: Arc<Inner>,
}

struct Inner {
    hub: Arc<Hub>,
    order: Orderer,
    /// Set once at start-up when `REDIS_URL` is configured.
    redis: OnceLock<redis::RedisLink>,
    /// Set once at start-up; used to fetch messages the fan-out lost.
    db: OnceLock<DbReader>,
    /// The runtime to chase gaps on: `message_committed` runs on the writer thread, outside it.
    runtime: OnceLock<tokio::runtime::Handle>,
}

impl Fanout {
    pub fn new(hub: Arc<Hub>) -> Self {
        Fanout {
            inner: Arc::new(Inner {
                order: Orderer::new(hub.clone()),
                hub,
                redis: OnceLock::new(),
                db: OnceLock::new(),
                runtime: OnceLock::new(),
            }),
        }
    }

    /// Connects the fan-out to the store (for catching up) and, with a Redis URL, to Redis.
    /// Background tasks stop when `shutdown` flips to true.
    /// Must be called from within the Tokio runtime.
    pub fn start(&self, db: DbReader, redis: Option<redis::RedisSettings>, shutdown: watch::Receiver<bool>) {
        let _ = self.inner.db.set(db);
        let _ = self.inner.runtime.set(tokio::runtime::Handle::current());
        if let Some(settings) = redis {
            let link = redis::RedisLink::start(self.clone(), settings, shutdown);
            let _ = self.inner.redis.set(link);
        }
    }

    pub fn hub(&self) -> &Arc<Hub> {
        &self.inner.hub
    }

    /// Applies an event to this instance's hub.
    pub(crate) fn apply(&self, event: Event) {
        let hub = &self.inner.hub;
        match event {
            Event::Message { mut message, seq } => {
                message.seq = seq;
                self.accept(message);
            }
            Event::RoomCreated { room } => hub.broadcast(&ServerFrame::RoomCreated { room: &room }.encode()),
            Event::RoomUpdated { room } => hub.broadcast(&ServerFrame::RoomUpdated { room: &room }.encode()),
            Event::RoomDeleted { room_id } => {
                hub.remove_room(room_id);
                self.inner.order.forget(room_id);
                hub.broadcast(&ServerFrame::RoomDeleted { room_id }.encode());
            }
            Event::Joined { room_id, user } => {
                hub.publish_except(room_id, Some(user.id), &ServerFrame::JoinedRoom { room_id, user: &user }.encode())
            }
            Event::Left { room_id, user_id } => {
                hub.publish_except(room_id, Some(user_id), &ServerFrame::LeftRoom { room_id, user_id }.encode())
            }
            Event::Typing { room_id, user_id, username } => hub.publish_except(
                room_id,
                Some(user_id),
                &ServerFrame::Typing { room_id, user: TypingUser { id: user_id, username: &username } }.encode(),
            ),
        }
    }

    /// Sends an event everywhere: through Redis when configured (which falls back to this
    /// instance alone while Redis is unreachable), else straight to this instance's hub.
    fn emit(&self, event: Event) {
        match self.inner.redis.get() {
            Some(link) => link.publish(event),
            None => self.apply(event),
        }
    }

    /// Called by the message writer with each committed message, in commit order. Local
    /// sockets get it at once; other instances through Redis.
    pub fn message_committed(&self, message: &Message) {
        self.accept(message.clone());
        if let Some(link) = self.inner.redis.get() {
            link.publish(Event::Message { message: message.clone(), seq: message.seq });
        }
    }

    fn accept(&self, message: Message) {
        let room = message.room_id;
        if self.inner.order.accept(message) == (Accepted::Held { new_gap: true }) {
            self.fill_gap_soon(room);
        }
    }

    /// A message arrived ahead of its predecessor. Give the fan-out a moment to bring the
    /// missing one, then read it from the database; if even the database lacks it, move on.
    fn fill_gap_soon(&self, room: RoomId) {
        let (Some(db), Some(runtime)) = (self.inner.db.get().cloned(), self.inner.runtime.get()) else {
            self.inner.order.skip_gap(room);
            return;
        };
        let fanout = self.clone();
        runtime.spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            fanout.catch_up(&db, room).await;
            fanout.inner.order.skip_gap(room);
        });
    }

    /// Delivers a room's messages stored after the last one delivered here.
    async fn catch_up(&self, db: &DbReader, room: RoomId) {
        let Some(after) = self.inner.order.delivered(room) else { return };
        match db.call(move |s| s.messages_after_seq(room, after, order::MAX_HELD as u32)).await {
            Ok(missing) => {
                for message in missing {
                    self.inner.order.accept(message);
                }
            }
            Err(e) => tracing::warn!(%room, error = %e, "could not read missed messages"),
        }
    }

    /// After the fan-out was cut off: deliver what was stored meanwhile in every room that has
    /// listeners here, and send them fresh member lists.
    pub(crate) async fn resync(&self) {
        let Some(db) = self.inner.db.get().cloned() else { return };
        for room in self.inner.hub.active_rooms() {
            self.catch_up(&db, room).await;
            let users = self.room_users(room).await;
            let list = ServerFrame::RoomUsersList { room_id: room, users: users.iter().collect() }.encode();
            self.inner.hub.publish(room, &list);
        }
    }

    /// Everyone present in a room, on any instance.
    async fn room_users(&self, room: RoomId) -> Vec<User> {
        if let Some(link) = self.inner.redis.get() {
            if let Some(users) = link.room_users(room).await {
                return users;
            }
        }
        self.inner.hub.local_users(room)
    }

    /// Joins a connection to a room: it gets the member list, and if the user was present
    /// nowhere yet, everyone else in the room hears `joined_room`.
    pub async fn join(&self, member: &Arc<Member>, room: RoomId) {
        self.follow(room).await;
        let first_here = self.inner.hub.join(member, room);
        let announce = match (first_here, self.inner.redis.get()) {
            (false, _) => false,
            (true, None) => true,
            (true, Some(link)) => link.mark_present(&member.user, room).await,
        };
        if announce {
            self.emit(Event::Joined { room_id: room, user: member.user.clone() });
        }
        let users = self.room_users(room).await;
        self.inner
            .hub
            .send_to(member, &ServerFrame::RoomUsersList { room_id: room, users: users.iter().collect() }.encode());
    }

    /// Makes sure this instance delivers the room's messages from now on. The starting point is
    /// the newest stored message: anything committed after it reaches the orderer (from the
    /// writer or Redis) or is fetched when its successor shows the gap.
    async fn follow(&self, room: RoomId) {
        if self.inner.order.delivered(room).is_some() {
            return;
        }
        let Some(db) = self.inner.db.get() else { return };
        match db.call(move |s| s.messages_before(room, None, 1)).await {
            Ok(newest) => self.inner.order.follow(room, newest.last().map_or(0, |m| m.seq)),
            Err(e) => tracing::warn!(%room, error = %e, "cannot follow the room's messages yet"),
        }
    }

    /// Takes a connection out of a room; returns whether it was in it.
    pub async fn leave(&self, member: &Member, room: RoomId) -> bool {
        let Some(last_here) = self.inner.hub.leave(member, room) else { return false };
        let announce = match (last_here, self.inner.redis.get()) {
            (false, _) => false,
            (true, None) => true,
            (true, Some(link)) => link.mark_absent(member.user.id, room).await,
        };
        if announce {
            self.emit(Event::Left { room_id: room, user_id: member.user.id });
        }
        true
    }

    /// Forgets a closed connection after leaving its rooms.
    pub async fn disconnect(&self, member: &Member, rooms: impl IntoIterator<Item = RoomId>) {
        for room in rooms {
            self.leave(member, room).await;
        }
        self.inner.hub.disconnect(member);
    }

    pub fn typing(&self, member: &Member, room: RoomId) {
        self.emit(Event::Typing { room_id: room, user_id: member.user.id, username: member.user.username.clone() });
    }

    pub fn room_created(&self, room: &Room) {
        self.emit(Event::RoomCreated { room: room.clone() });
    }

    pub fn room_updated(&self, room: &Room) {
        self.emit(Event::RoomUpdated { room: room.clone() });
    }

    pub fn room_deleted(&self, room: RoomId) {
        self.emit(Event::RoomDeleted { room_id: room });
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
        let fanout = Fanout::new(Arc::new(Hub::new()));
        let sink: CommitSink = {
            let fanout = fanout.clone();
            Arc::new(move |m| fanout.message_committed(m))
        };
        let db = Db::new(store.clone(), sink);
        let (_stop, shutdown) = watch::channel(false);
        fanout.start(db.reader(), None, shutdown);

        drop(db);
        drop(fanout);

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while Arc::strong_count(&store) > 1 {
            assert!(std::time::Instant::now() < deadline, "the writer thread still holds the store");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}
