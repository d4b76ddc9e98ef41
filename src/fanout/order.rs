//! In-order delivery of a room's logged events. Every event carries the room's `seq` (1, 2, 3 …
//! without gaps, assigned by the database); the orderer hands them to the hub strictly in that
//! order, drops repeats, and holds an event whose predecessor has not arrived yet until the
//! predecessor comes (from another instance, or from the database when the fan-out lost it).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use prometheus_client::metrics::counter::Counter;

use crate::domain::RoomId;
use crate::events::{Audience, RoomEvent};
use crate::hub::Hub;
use crate::protocol::ServerFrame;

/// Most events held back for one room before the gap is given up on; also the most a resuming
/// client is replayed (beyond that it is told to reload).
pub const MAX_HELD: usize = 1000;

#[derive(Default)]
struct RoomOrder {
    /// Highest seq handed to the hub.
    delivered: i64,
    /// Events that arrived ahead of a missing one, by seq.
    held: BTreeMap<i64, RoomEvent>,
}

/// What happened to an event given to [`Orderer::accept`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Handed to the hub (possibly with held successors).
    Delivered,
    /// Already delivered earlier: dropped.
    Repeat,
    /// Not ordered: nobody on this instance ever joined the room. An event for everyone was
    /// still delivered; one for the room's members had nobody to reach.
    Untracked,
    /// Held back: an earlier event of the room is missing. `new_gap` is true for the first
    /// event held behind a gap, so the gap is chased once, not once per event.
    Held { new_gap: bool },
}

/// Per-room delivery order for this instance.
pub struct Orderer {
    hub: Arc<Hub>,
    /// Counts the events given up on: missing from the fan-out and from the database, or
    /// behind a gap that held more than [`MAX_HELD`].
    skipped: Counter,
    /// The map's write side is taken only to follow or forget a room; delivering takes the
    /// read side and the one room's lock, held to update its counter and push frames into
    /// outboxes (never across an `.await`). The room lock keeps the two delivering threads (the
    /// message writer and the Redis subscriber) from interleaving that room's events, while
    /// other rooms go on in parallel.
    rooms: RwLock<HashMap<RoomId, Mutex<RoomOrder>>>,
}

fn lock(room: &Mutex<RoomOrder>) -> MutexGuard<'_, RoomOrder> {
    room.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Orderer {
    pub fn new(hub: Arc<Hub>, skipped: Counter) -> Self {
        Orderer { hub, skipped, rooms: RwLock::new(HashMap::new()) }
    }

    /// Runs `f` on one room's order under its lock; `None` when the room is not followed.
    fn with_room<T>(&self, room_id: RoomId, f: impl FnOnce(&mut RoomOrder) -> T) -> Option<T> {
        let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
        let room = rooms.get(&room_id)?;
        let mut room = lock(room);
        Some(f(&mut room))
    }

    /// Starts following a room whose newest event has `last_seq`: everything after it will be
    /// delivered, in order. Called before the room's first local member joins; a room already
    /// followed keeps its place. Rooms stay followed (a counter each) until forgotten.
    pub fn follow(&self, room_id: RoomId, last_seq: i64) {
        let mut rooms = self.rooms.write().unwrap_or_else(PoisonError::into_inner);
        rooms.entry(room_id).or_insert_with(|| Mutex::new(RoomOrder { delivered: last_seq, ..Default::default() }));
    }

    /// Takes a logged event and delivers it, and any it was holding up, in seq order.
    pub fn accept(&self, event: RoomEvent) -> Accepted {
        let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
        match rooms.get(&event.room_id) {
            Some(room) => self.accept_locked(&mut lock(room), event),
            None => {
                if event.change.audience() == Audience::Everyone {
                    self.deliver_unordered(event);
                }
                Accepted::Untracked
            }
        }
    }

    fn accept_locked(&self, room: &mut RoomOrder, event: RoomEvent) -> Accepted {
        if event.seq <= room.delivered {
            return Accepted::Repeat;
        }
        if event.seq > room.delivered + 1 {
            let new_gap = room.held.is_empty();
            room.held.insert(event.seq, event);
            if room.held.len() > MAX_HELD {
                self.skip_first_gap(room);
                return Accepted::Delivered;
            }
            return Accepted::Held { new_gap };
        }
        self.deliver(room, event);
        self.flush(room);
        Accepted::Delivered
    }

    /// The missing range of a room as `(after, before)`: events with `after < seq < before`
    /// are needed before held ones can go out. `None` when nothing is held.
    pub fn gap(&self, room_id: RoomId) -> Option<(i64, i64)> {
        self.with_room(room_id, |room| room.held.keys().next().map(|first| (room.delivered, *first))).flatten()
    }

    /// Highest seq delivered for a room, if the room is followed.
    pub fn delivered(&self, room_id: RoomId) -> Option<i64> {
        self.with_room(room_id, |room| room.delivered)
    }

    /// Runs `f` while the room's delivery stands still, if everything delivered so far has a
    /// seq of at most `seq`; returns whether it ran. A resuming connection that has replayed up
    /// to `seq` from the database switches to live delivery this way: nothing can be delivered
    /// between its replay and the switch. An unfollowed room has nothing delivered.
    pub fn while_not_past(&self, room_id: RoomId, seq: i64, f: impl FnOnce()) -> bool {
        let rooms = self.rooms.read().unwrap_or_else(PoisonError::into_inner);
        let room = rooms.get(&room_id).map(lock);
        if room.as_ref().is_some_and(|room| room.delivered > seq) {
            return false;
        }
        f();
        true
    }

    /// Settles a room's gaps after the database was read up to `read_to` (the highest seq the
    /// read returned, or where it started when it returned nothing) and what it returned was
    /// accepted. A seq still missing at or below `read_to` is not in the database: it is given
    /// up on and what it held up is delivered. A gap above `read_to` opened after the read
    /// (later events of this instance's writer, say, ahead of others still on their way through
    /// Redis) and must be read for again. Returns whether the room still has a gap.
    pub fn settle_gap(&self, room_id: RoomId, read_to: i64) -> bool {
        self.with_room(room_id, |room| {
            self.skip_locked(room, read_to);
            !room.held.is_empty()
        })
        .unwrap_or(false)
    }

    /// Gives up on a room's first gap whatever its seqs: the database could not be read.
    pub fn skip_gap(&self, room_id: RoomId) {
        self.with_room(room_id, |room| self.skip_first_gap(room));
    }

    /// Forgets a room (deleted, or no longer listened to here).
    pub fn forget(&self, room_id: RoomId) {
        self.rooms.write().unwrap_or_else(PoisonError::into_inner).remove(&room_id);
    }

    /// The rooms followed now.
    pub fn followed(&self) -> Vec<RoomId> {
        self.rooms.read().unwrap_or_else(PoisonError::into_inner).keys().copied().collect()
    }

    fn skip_first_gap(&self, room: &mut RoomOrder) {
        if let Some(first) = room.held.keys().next().copied() {
            self.skip_locked(room, first - 1);
        }
    }

    /// Gives up on the missing seqs up to `limit` in front of held events, delivering what
    /// they held up, until the room's first gap lies above `limit` or nothing is held.
    fn skip_locked(&self, room: &mut RoomOrder, limit: i64) {
        while let Some(first) = room.held.keys().next().copied() {
            if room.delivered >= limit {
                return;
            }
            let skip_to = (first - 1).min(limit);
            tracing::warn!(missing_from = room.delivered + 1, missing_to = skip_to, "giving up on missing room events");
            self.skipped.inc_by((skip_to - room.delivered) as u64);
            room.delivered = skip_to;
            self.flush(room);
        }
    }

    fn flush(&self, room: &mut RoomOrder) {
        while let Some(next) = room.held.remove(&(room.delivered + 1)) {
            self.deliver(room, next);
        }
    }

    fn deliver(&self, room: &mut RoomOrder, event: RoomEvent) {
        room.delivered = event.seq;
        self.deliver_unordered(event);
    }

    /// Encodes the event's frame once and hands it to everyone it is for.
    fn deliver_unordered(&self, event: RoomEvent) {
        let (room_id, seq, audience) = (event.room_id, event.seq, event.change.audience());
        let frame = ServerFrame::from(event).encode();
        match audience {
            Audience::Members => self.hub.publish_logged(room_id, seq, &frame),
            Audience::Everyone => self.hub.broadcast_logged(room_id, seq, &frame),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{City, Message, MessageId, User, UserId, Username};
    use tokio::sync::mpsc;

    fn message(seq: i64) -> RoomEvent {
        RoomEvent::message_created(Message::posted(
            MessageId(seq * 10),
            RoomId(1),
            User {
                id: UserId(1),
                username: Username::parse("anna").unwrap(),
                city: Some(City::parse("Орёл").unwrap()),
                city_id: None,
                country: None,
                timezone: None,
                avatar_url: None,
            },
            format!("m{seq}"),
            crate::domain::now(),
            None,
            seq,
        ))
    }

    fn user() -> User {
        User {
            id: UserId(1),
            username: Username::parse("anna").unwrap(),
            city: Some(City::parse("Орёл").unwrap()),
            city_id: None,
            country: None,
            timezone: None,
            avatar_url: None,
        }
    }

    fn listener(hub: &Hub) -> (Arc<crate::hub::Member>, mpsc::Receiver<crate::protocol::Frame>) {
        let (tx, rx) = mpsc::channel(64);
        let member = hub.connect(user(), "session".into(), tx);
        hub.join(&member, RoomId(1), false);
        (member, rx)
    }

    fn seqs(rx: &mut mpsc::Receiver<crate::protocol::Frame>) -> Vec<i64> {
        let mut out = Vec::new();
        while let Ok(f) = rx.try_recv() {
            let v: serde_json::Value = serde_json::from_str(f.as_str()).unwrap();
            out.push(v["message"]["id"].as_i64().unwrap() / 10);
        }
        out
    }

    #[test]
    fn messages_out_of_order_are_delivered_in_order_and_repeats_dropped() {
        let hub = Arc::new(Hub::new());
        let (_m, mut rx) = listener(&hub);
        let order = Orderer::new(hub.clone(), Counter::default());
        assert_eq!(order.accept(message(5)), Accepted::Untracked, "nobody follows the room yet");
        order.follow(RoomId(1), 4);
        order.follow(RoomId(1), 0); // already followed: keeps its place
        assert_eq!(order.accept(message(5)), Accepted::Delivered);
        assert_eq!(order.accept(message(7)), Accepted::Held { new_gap: true });
        assert_eq!(order.accept(message(8)), Accepted::Held { new_gap: false });
        assert_eq!(order.gap(RoomId(1)), Some((5, 7)));
        assert_eq!(order.accept(message(5)), Accepted::Repeat);
        assert_eq!(order.accept(message(6)), Accepted::Delivered);
        assert_eq!(seqs(&mut rx), [5, 6, 7, 8]);
        assert_eq!(order.gap(RoomId(1)), None);
    }

    #[test]
    fn delivering_in_one_room_does_not_hold_up_another_room() {
        let order = Arc::new(Orderer::new(Arc::new(Hub::new()), Counter::default()));
        order.follow(RoomId(1), 0);
        order.follow(RoomId(2), 0);
        let (busy_tx, busy_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let in_room_1 = order.clone();
        let holder = std::thread::spawn(move || {
            in_room_1.with_room(RoomId(1), |_| {
                busy_tx.send(()).unwrap();
                release_rx.recv().unwrap();
            })
        });
        busy_rx.recv().unwrap();

        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let in_room_2 = order.clone();
        std::thread::spawn(move || {
            let mut m = message(1);
            m.room_id = RoomId(2);
            if let crate::events::Change::MessageCreated { message } = &mut m.change {
                message.room_id = RoomId(2);
            }
            done_tx.send(in_room_2.accept(m)).unwrap();
        });
        let outcome = done_rx.recv_timeout(std::time::Duration::from_secs(5));

        release_tx.send(()).unwrap();
        holder.join().unwrap();
        assert_eq!(outcome, Ok(Accepted::Delivered), "room 2 went on while room 1 was busy");
    }

    #[test]
    fn a_switch_to_live_delivery_waits_until_nothing_past_the_replay_was_delivered() {
        let hub = Arc::new(Hub::new());
        let (_m, _rx) = listener(&hub);
        let order = Orderer::new(hub.clone(), Counter::default());
        order.follow(RoomId(1), 3);
        order.accept(message(4));

        let mut ran = Vec::new();
        let behind = order.while_not_past(RoomId(1), 3, || ran.push(3));
        let caught_up = order.while_not_past(RoomId(1), 4, || ran.push(4));
        let unfollowed = order.while_not_past(RoomId(9), 0, || ran.push(0));

        assert!(!behind, "seq 4 was delivered after a replay that ended at 3: read on");
        assert!(caught_up && unfollowed);
        assert_eq!(ran, [4, 0]);
    }

    /// An orderer following room 1 from its start, and a listener in the room.
    fn room_one_followed() -> (Orderer, Arc<crate::hub::Member>, mpsc::Receiver<crate::protocol::Frame>) {
        let hub = Arc::new(Hub::new());
        let (member, rx) = listener(&hub);
        let order = Orderer::new(hub, Counter::default());
        order.follow(RoomId(1), 0);
        (order, member, rx)
    }

    #[test]
    fn a_gap_nobody_can_fill_is_skipped() {
        let (order, _m, mut rx) = room_one_followed();
        order.accept(message(1));
        order.accept(message(4));
        order.skip_gap(RoomId(1));
        assert_eq!(seqs(&mut rx), [1, 4]);
        assert_eq!(order.delivered(RoomId(1)), Some(4));
        assert_eq!(order.skipped.get(), 2, "seqs 2 and 3 are counted as given up");
    }

    #[test]
    fn a_gap_that_opened_after_the_database_was_read_waits_for_its_event() {
        let (order, _m, mut rx) = room_one_followed();
        assert_eq!(order.accept(message(2)), Accepted::Held { new_gap: true });
        // The database is read: it holds 1 and 2.
        order.accept(message(1));
        order.accept(message(2));
        // Meanwhile 3 and 4 are committed; 4 comes first (from this instance's own writer)
        // while 3 is still on its way through Redis.
        assert_eq!(order.accept(message(4)), Accepted::Held { new_gap: true });

        assert!(order.settle_gap(RoomId(1), 2), "3 was stored after the read: still awaited");
        assert_eq!(order.accept(message(3)), Accepted::Delivered);

        assert_eq!(seqs(&mut rx), [1, 2, 3, 4]);
        assert_eq!(order.skipped.get(), 0);
    }

    #[test]
    fn seqs_the_database_lacks_are_given_up_on_and_counted_but_later_ones_are_awaited() {
        let (order, _m, mut rx) = room_one_followed();
        order.accept(message(1));
        order.accept(message(4));
        order.accept(message(7));
        // The database was read up to 5 and lacked 2 and 3.
        order.accept(message(5));

        assert!(order.settle_gap(RoomId(1), 5), "6 was stored after the read: still awaited");
        assert_eq!(seqs(&mut rx), [1, 4, 5]);
        assert_eq!(order.skipped.get(), 2);

        order.accept(message(6));
        assert_eq!(seqs(&mut rx), [6, 7]);
        assert!(!order.settle_gap(RoomId(1), 7), "nothing is held");
        assert_eq!(order.skipped.get(), 2);
    }
}
