//! One connection as the hub sees it: its user, its session, its bounded outbox, whether it
//! lagged or its session ended, whom it hears no typing from, and whether it is idle.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use tokio::sync::{mpsc, Notify};

use super::{lock, ConnId};
use crate::domain::{Activity, Blocks, User, UserId};
use crate::protocol::Frame;

/// One connected socket as the hub sees it.
#[derive(Debug)]
pub struct Member {
    pub id: ConnId,
    /// The user as they were when the connection opened: their id and name never change, their
    /// city may ([`Member::profile`] has it as it is now).
    pub user: User,
    /// The user as they are now: a profile change reaches every connection of theirs through
    /// [`Hub::update_user`], so the messages and joins they send afterwards carry it.
    pub(super) profile: Mutex<User>,
    /// The stored hash of the session the connection was opened with: when that session ends
    /// (logout, a new login from the same browser, expiry), so does the connection.
    pub session: String,
    /// Bounded: when it is full the connection is too slow and gets kicked, never buffered.
    pub(super) outbox: mpsc::Sender<Frame>,
    /// Woken when the connection lagged and must close; its owner then reconnects and resyncs
    /// from history.
    pub(super) kicked: Notify,
    /// Woken when the connection's session ended; its owner must sign in again rather than
    /// reconnect.
    pub(super) session_ended: Notify,
    /// Whom this connection hears no typing from (blocks either way).
    muted: Mutex<Muted>,
    /// The connection said it is idle (its tab hidden or untouched for a while).
    idle: AtomicBool,
}

/// The users a connection hears no typing from: those its user blocked and those who blocked
/// its user. Starts empty; the stored blocks come a moment after the connection registers
/// ([`Member::load_blocks`]), and a change heard meanwhile is kept and replayed on top of them,
/// so a block made while the connection opens is not lost either way.
#[derive(Debug)]
struct Muted {
    blocked: HashSet<UserId>,
    blocked_by: HashSet<UserId>,
    /// Changes heard before the stored blocks were loaded, oldest first; `None` once loaded.
    early: Option<Vec<MuteChange>>,
}

/// One block or unblock as one connection sees it.
#[derive(Debug, Clone, Copy)]
pub(super) struct MuteChange {
    /// Its user blocked (or unblocked) `other`, rather than `other` blocking its user.
    pub(super) mine: bool,
    pub(super) other: UserId,
    pub(super) blocking: bool,
}

impl Muted {
    fn new() -> Self {
        Muted { blocked: HashSet::new(), blocked_by: HashSet::new(), early: Some(Vec::new()) }
    }

    fn apply(&mut self, change: MuteChange) {
        let set = if change.mine { &mut self.blocked } else { &mut self.blocked_by };
        if change.blocking {
            set.insert(change.other);
        } else {
            set.remove(&change.other);
        }
    }

    fn hears(&self, user: UserId) -> bool {
        !self.blocked.contains(&user) && !self.blocked_by.contains(&user)
    }
}

impl Member {
    /// A connection of `user`, opened with `session`, whose frames go into `outbox`.
    pub(super) fn new(id: ConnId, user: User, session: String, outbox: mpsc::Sender<Frame>) -> Member {
        Member {
            id,
            profile: Mutex::new(user.clone()),
            user,
            session,
            outbox,
            kicked: Notify::new(),
            session_ended: Notify::new(),
            muted: Mutex::new(Muted::new()),
            idle: AtomicBool::new(false),
        }
    }

    /// The user as they are now (after any profile change since the connection opened).
    pub fn profile(&self) -> User {
        lock(&self.profile).clone()
    }

    /// Resolves when the hub gave up on this connection because its outbox overflowed.
    pub async fn kicked(&self) {
        self.kicked.notified().await
    }

    /// Resolves when the hub was told that this connection's session ended.
    pub async fn session_ended(&self) {
        self.session_ended.notified().await
    }

    /// Queues a frame for this connection alone, waiting while its outbox is full (for replies
    /// and replays, which its own task produces; live delivery never waits). False when the
    /// connection is gone.
    pub async fn send(&self, frame: Frame) -> bool {
        self.outbox.send(frame).await.is_ok()
    }

    /// Takes the user's stored blocks (read after the connection registered), then the changes
    /// heard since it registered, in order.
    pub fn load_blocks(&self, blocks: Blocks) {
        let mut muted = lock(&self.muted);
        muted.blocked = blocks.blocked.into_iter().collect();
        muted.blocked_by = blocks.blocked_by.into_iter().collect();
        for change in muted.early.take().unwrap_or_default() {
            muted.apply(change);
        }
    }

    /// Whether the connection last said it is idle.
    pub fn is_idle(&self) -> bool {
        self.idle.load(Ordering::Relaxed)
    }

    /// Records what the connection says of itself; true when that changed.
    pub fn set_activity(&self, activity: Activity) -> bool {
        let idle = activity == Activity::Idle;
        self.idle.swap(idle, Ordering::Relaxed) != idle
    }

    /// Whether this connection hears `user` typing: neither of them blocked the other.
    pub fn hears(&self, user: UserId) -> bool {
        lock(&self.muted).hears(user)
    }

    pub(super) fn block_changed(&self, change: MuteChange) {
        let mut muted = lock(&self.muted);
        if let Some(early) = &mut muted.early {
            early.push(change);
        }
        muted.apply(change);
    }
}
