//! Limits against flooding: how much one user, or one client address, may do. Messages, room
//! creation, avatar uploads (and how many pictures are decoded at once), typing and open sockets
//! are counted in memory on each instance (a user's socket and its frames stay on one instance,
//! so that instance sees everything it needs to count); failed
//! logins and registrations are counted in the shared database, so an attacker gains nothing by
//! spreading attempts over instances.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::{LimitsConfig, Rate};
use crate::domain::{now, RoomId, UserId};
use crate::metrics::LimitHits;
use crate::store::{Db, StoreError};

/// How often a user's typing is relayed to a room at most; more is dropped silently.
pub const TYPING_EVERY: Duration = Duration::from_secs(2);

/// A limit was hit: the caller may try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

/// The limits of one instance, as a service the state holds.
#[derive(Clone)]
pub struct Limits {
    inner: Arc<Inner>,
}

struct Inner {
    config: LimitsConfig,
    db: Db,
    messages: Option<DefaultKeyedRateLimiter<UserId>>,
    rooms: Option<DefaultKeyedRateLimiter<UserId>>,
    avatars: Option<DefaultKeyedRateLimiter<UserId>>,
    /// Pictures being decoded and resized at once on this instance: one per CPU, so uploads
    /// queue instead of taking every core from the chat.
    image_work: Arc<tokio::sync::Semaphore>,
    typing: DefaultKeyedRateLimiter<(UserId, RoomId)>,
    /// Open sockets per user on this instance.
    connections: Mutex<HashMap<UserId, usize>>,
    /// Counts every refusal, by limit.
    hits: LimitHits,
}

fn keyed<K: std::hash::Hash + Eq + Clone>(rate: Rate) -> DefaultKeyedRateLimiter<K> {
    let quota = Quota::with_period(rate.interval().max(Duration::from_nanos(1)))
        .expect("a rate's interval is never zero")
        .allow_burst(rate.count);
    RateLimiter::keyed(quota)
}

/// Takes a token of `key`'s bucket; a refusal is counted in `hit`.
fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
    hit: &prometheus_client::metrics::counter::Counter,
) -> Result<(), RetryAfter> {
    limiter.check_key(key).map_err(|not_until| {
        hit.inc();
        RetryAfter(not_until.wait_time_from(DefaultClock::default().now()))
    })
}

impl Limits {
    pub fn new(config: LimitsConfig, db: Db, hits: LimitHits) -> Self {
        let typing = Rate { count: NonZeroU32::MIN, per: TYPING_EVERY };
        Limits {
            inner: Arc::new(Inner {
                messages: config.messages.map(keyed),
                rooms: config.rooms.map(keyed),
                avatars: config.avatars.map(keyed),
                image_work: Arc::new(tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
                )),
                typing: keyed(typing),
                connections: Mutex::new(HashMap::new()),
                hits,
                config,
                db,
            }),
        }
    }

    /// Whether the proxy's headers name the client.
    pub fn trust_proxy(&self) -> bool {
        self.inner.config.trust_proxy
    }

    /// Counts one message of `user`.
    pub fn message(&self, user: UserId) -> Result<(), RetryAfter> {
        self.inner.messages.as_ref().map_or(Ok(()), |l| check(l, &user, &self.inner.hits.message))
    }

    /// Counts one room created by `user`.
    pub fn room(&self, user: UserId) -> Result<(), RetryAfter> {
        self.inner.rooms.as_ref().map_or(Ok(()), |l| check(l, &user, &self.inner.hits.room))
    }

    /// Counts one avatar upload of `user`.
    pub fn avatar(&self, user: UserId) -> Result<(), RetryAfter> {
        self.inner.avatars.as_ref().map_or(Ok(()), |l| check(l, &user, &self.inner.hits.avatar))
    }

    /// A turn to decode and resize a picture, waited for while as many are in progress as the
    /// instance has CPUs; held until the work is done.
    pub async fn image_work(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.inner.image_work.clone().acquire_owned().await.expect("the image semaphore is never closed")
    }

    /// Whether a typing frame of `user` in `room` should be relayed (one per [`TYPING_EVERY`]).
    pub fn typing(&self, user: UserId, room: RoomId) -> bool {
        check(&self.inner.typing, &(user, room), &self.inner.hits.typing).is_ok()
    }

    /// A slot for one more open socket of `user`, held for the socket's life; `None` when the
    /// user has as many as allowed.
    pub fn connect(&self, user: UserId) -> Option<ConnectionSlot> {
        let mut open = self.inner.connections.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(user).or_insert(0);
        if self.inner.config.connections_per_user.is_some_and(|max| *count >= max) {
            self.inner.hits.sockets.inc();
            return None;
        }
        *count += 1;
        Some(ConnectionSlot { limits: self.clone(), user })
    }

    /// Whether logging in to `account` (its case-folded name) from `address` is refused for now
    /// because of earlier failures; checked before the password, so a blocked attempt costs no
    /// bcrypt and tells nothing about the password.
    pub async fn login_blocked(
        &self,
        account: &str,
        address: Option<IpAddr>,
    ) -> Result<Option<RetryAfter>, StoreError> {
        let Some(rate) = self.inner.config.login else { return Ok(None) };
        let mut longest: Option<Duration> = None;
        for key in login_keys(account, address) {
            if let Some(wait) = self.shared(key, rate, false).await? {
                longest = Some(longest.map_or(wait, |l| l.max(wait)));
            }
        }
        if longest.is_some() {
            self.inner.hits.login.inc();
        }
        Ok(longest.map(RetryAfter))
    }

    /// Counts a failed login against the account and the address.
    pub async fn login_failed(&self, account: &str, address: Option<IpAddr>) -> Result<(), StoreError> {
        let Some(rate) = self.inner.config.login else { return Ok(()) };
        for key in login_keys(account, address) {
            self.shared(key, rate, true).await?;
        }
        Ok(())
    }

    /// Counts one registration from `address`.
    pub async fn register(&self, address: Option<IpAddr>) -> Result<Result<(), RetryAfter>, StoreError> {
        let (Some(rate), Some(address)) = (self.inner.config.register, address) else { return Ok(Ok(())) };
        match self.shared(format!("register:address:{address}"), rate, true).await? {
            None => Ok(Ok(())),
            Some(wait) => {
                self.inner.hits.register.inc();
                Ok(Err(RetryAfter(wait)))
            }
        }
    }

    async fn shared(&self, key: String, rate: Rate, take: bool) -> Result<Option<Duration>, StoreError> {
        let (interval, burst) = (rate.interval(), rate.count.get());
        self.inner.db.call(move |s| s.rate_limit(&key, interval, burst, now(), take)).await
    }

    /// Forgets what no longer limits anyone: full buckets in memory and in the database. Run
    /// now and then, so that the memory kept is bounded by the users active lately.
    pub async fn sweep(&self) -> Result<(), StoreError> {
        for limiter in [&self.inner.messages, &self.inner.rooms, &self.inner.avatars].into_iter().flatten() {
            limiter.retain_recent();
        }
        self.inner.typing.retain_recent();
        self.inner.db.call(|s| s.purge_rate_limits(now())).await?;
        Ok(())
    }
}

fn login_keys(account: &str, address: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!("login:account:{account}")];
    keys.extend(address.map(|a| format!("login:address:{a}")));
    keys
}

/// One open socket of a user; the count goes down when it is dropped.
pub struct ConnectionSlot {
    limits: Limits,
    user: UserId,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.limits.inner.connections.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}
